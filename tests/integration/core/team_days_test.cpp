// "Why" and the calendar read a real SQLite database: pauses from the audit log (exact, with
// their notes), or from the team's state now when the log has none.
#include "orchestrator/core/team_days.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using orch::testing::utc;

class TeamDaysFromDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::LoadOptions options;
    options.working_dir = dir_.path();
    options.default_pipeline = "/bin/true";
    options.env = {{"DATABASE_URL", "sqlite:" + (dir_ / "orch.db").string()},
                   {"DAILY_RUN_TIME", "06:00"},
                   {"GENERAL_RUN_ENABLED", "false"}};
    auto loaded = config::load(options);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    config_ = *loaded;
    auto db = Database::open(config_.database.url, 1, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    for (int id : {7, 8}) {
      auto added = db_->teams().add(TeamId{id}, "team " + std::to_string(id), {},
                                    utc("2026-11-01T00:00:00Z"));
      ASSERT_TRUE(added.has_value()) << added.error().message;
    }
  }

  void audit(const std::string& at, const std::string& action, const std::string& after) {
    AuditEntry e;
    e.at = utc(at);
    e.actor = "cli:ops";
    e.action = action;
    e.target = "team:7";
    e.after = after;
    ASSERT_TRUE(db_->audit().record(e).has_value());
  }

  DayReport why(int team, const std::string& day) {
    auto report = explain_day(config_, *db_, {TeamId{team}, "daily", *parse_date(day)}, now_);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report ? *report : DayReport{};
  }

  testing::TempDir dir_;
  config::Config config_;
  std::unique_ptr<Database> db_;
  SysTime now_ = utc("2026-12-05T12:00:00Z");
};

TEST_F(TeamDaysFromDatabaseTest, APauseInTheAuditLogExplainsItsDaysWithItsNote) {
  audit("2026-11-10T12:00:00Z", "teams.pause", R"({"paused":true,"pause_note":"tape late"})");
  audit("2026-11-11T08:00:00Z", "teams.update", R"({"run_time":"06:00"})");
  audit("2026-11-12T12:00:00Z", "teams.resume", R"({"paused":false,"pause_note":null})");
  auto paused = why(7, "2026-11-11");
  EXPECT_EQ(paused.day.outcome, "paused");
  EXPECT_EQ(paused.history_source, "audit log");
  EXPECT_NE(paused.day.reason.find("until 2026-11-12 12:00:00"), std::string::npos)
      << paused.day.reason;
  EXPECT_NE(paused.day.reason.find(": tape late"), std::string::npos) << paused.day.reason;
  EXPECT_EQ(why(7, "2026-11-12").day.outcome, "paused");  // 06:00, before the resume at 12:00
  EXPECT_EQ(why(7, "2026-11-10").day.outcome, "missed");  // 06:00, before the pause
  EXPECT_EQ(why(7, "2026-11-13").day.outcome, "missed");

  CalendarQuery query;
  query.from = *parse_date("2026-11-09");
  query.to = *parse_date("2026-11-13");
  auto calendar = team_calendar(config_, *db_, query, now_);
  ASSERT_TRUE(calendar.has_value()) << calendar.error().message;
  ASSERT_EQ(calendar->owners.size(), 2u);
  std::vector<std::string> outcomes;
  for (const TeamDay& d : calendar->owners[0].days) {
    outcomes.push_back(d.outcome);
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"missed", "missed", "paused", "paused", "missed"}));
  EXPECT_EQ(calendar->history_source, "audit log");
}

TEST_F(TeamDaysFromDatabaseTest, WithoutTheAuditLogTheStateNowExplainsTheDaysSinceItsLastChange) {
  ASSERT_TRUE(
      db_->teams().set_paused(TeamId{8}, true, utc("2026-11-20T00:00:00Z"), "holiday").has_value());
  auto paused = why(8, "2026-11-22");
  EXPECT_EQ(paused.day.outcome, "paused");
  EXPECT_EQ(paused.history_source, "current state");
  EXPECT_NE(paused.day.reason.find("since its last change"), std::string::npos)
      << paused.day.reason;
  EXPECT_NE(paused.day.reason.find("holiday"), std::string::npos) << paused.day.reason;
  EXPECT_EQ(why(8, "2026-11-19").day.outcome, "missed");

  auto unknown = explain_day(config_, *db_, {TeamId{99}, "daily", *parse_date("2026-11-22")}, now_);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  auto pipeline =
      explain_day(config_, *db_, {TeamId{8}, "weekly", *parse_date("2026-11-22")}, now_);
  ASSERT_FALSE(pipeline.has_value());
  EXPECT_EQ(pipeline.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace orch
