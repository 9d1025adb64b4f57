// Several pipelines per team in the store, on SQLite and on PostgreSQL: the guarantees of one run
// per slot and one running run hold per team and pipeline, every per-team query is per team and
// pipeline, and a database of the version before pipelines had names upgrades without a change.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "config/base/time.h"
#include "orchestrator/core/failure_streak.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/service_registry.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::Backend;
using testing::utc;

constexpr const char* kMonthEnd = "month_end";

std::unique_ptr<Database> open_database(const std::string& url, Database::OpenMode mode) {
  auto db = Database::open(url, 4, mode);
  if (!db) {
    ADD_FAILURE() << "cannot open " << url << ": " << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

// A scheduled run of `team`'s `pipeline` for the slot `slot`.
ClaimRequest slot_request(std::optional<TeamId> team, const std::string& pipeline,
                          const std::string& slot, SysTime now, int attempt = 1) {
  ClaimRequest r;
  r.team = team;
  r.pipeline = pipeline;
  r.triggered_by = attempt == 1 ? Trigger::kSchedule : Trigger::kRetry;
  r.attempt = attempt;
  r.slot_key = slot;
  r.scheduled_for = now;
  r.run_date = *parse_date(slot.substr(0, 10));
  r.purchase_date = slot.substr(0, 10);
  r.instance = "host-a:100";
  r.now = now;
  return r;
}

// A manual run of `team`'s `pipeline`: no slot.
ClaimRequest manual_request(std::optional<TeamId> team, const std::string& pipeline, SysTime now) {
  ClaimRequest r;
  r.team = team;
  r.pipeline = pipeline;
  r.triggered_by = Trigger::kManual;
  r.run_date = Date{date::floor<date::days>(now)};
  r.purchase_date = format_date(r.run_date);
  r.instance = "host-a:100";
  r.now = now;
  return r;
}

// What the backend's own client prints for `query` (a test failure when it fails).
std::string sql(const testing::TestDatabase& database, const std::string& query) {
  auto result = database.query(query);
  EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
  return result.out;
}

// Expects the schema itself to refuse `query` as a second row where one is allowed.
void expect_unique_violation(const testing::TestDatabase& database, const std::string& query) {
  auto result = database.query(query);
  EXPECT_NE(result.exit_code, 0) << query;
  std::string err = result.err;
  std::transform(err.begin(), err.end(), err.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  EXPECT_NE(err.find("unique"), std::string::npos) << query << ": " << result.err;
}

class PipelineOwnerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    db_ = open_database(database_.url(), Database::OpenMode::kCreateIfMissing);
    ASSERT_NE(db_, nullptr);
    for (std::int64_t id : {1, 2}) {
      auto team = db_->teams().add(TeamId{id}, "Team " + std::to_string(id), {},
                                   utc("2026-01-01T00:00:00Z"));
      ASSERT_TRUE(team.has_value()) << team.error().message;
    }
  }

  RunStore& runs() { return db_->runs(); }

  Claim claim(const ClaimRequest& request) {
    auto c = runs().claim(request);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? *c : Claim{};
  }

  // Claims, expecting the run to start; returns its id.
  std::string start(const ClaimRequest& request) {
    Claim c = claim(request);
    EXPECT_EQ(c.outcome, ClaimOutcome::kClaimed)
        << request.pipeline << " " << request.slot_key.value_or("(no slot)");
    return c.record.run_id.str();
  }

  void finish(const std::string& run_id, RunStatus status, SysTime at) {
    RunFinish f;
    f.run_id = RunId(run_id);
    f.status = status;
    f.exit_code = status == RunStatus::kCompleted ? 0 : 1;
    f.completed_at = at;
    auto done = runs().finish(f);
    EXPECT_TRUE(done.has_value()) << done.error().message;
  }

  // Records a run of `pipeline` of team 1 for `slot` that ended as `status`.
  void record(const std::string& pipeline, const std::string& slot, RunStatus status,
              int attempt = 1) {
    SysTime at = utc(slot.substr(0, 10) + "T03:00:00Z") + std::chrono::minutes(attempt);
    std::string id = start(slot_request(TeamId{1}, pipeline, slot, at, attempt));
    finish(id, status, at + std::chrono::seconds(30));
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_P(PipelineOwnerTest, TwoPipelinesOfOneTeamRunAtOnceAndEachIsBusyOnlyWithItself) {
  SysTime now = utc("2026-12-01T04:00:00Z");
  Claim daily = claim(slot_request(TeamId{1}, std::string(kDefaultPipeline), "2026-12-01", now));
  ASSERT_EQ(daily.outcome, ClaimOutcome::kClaimed);
  // The same team, the same slot key, another pipeline: not busy, not recorded already.
  Claim month_end = claim(slot_request(TeamId{1}, kMonthEnd, "2026-12-01", now));
  ASSERT_EQ(month_end.outcome, ClaimOutcome::kClaimed);
  EXPECT_EQ(month_end.record.pipeline, kMonthEnd);
  EXPECT_EQ(
      sql(database_, "SELECT pipeline, status, slot_key FROM pipeline_runs ORDER BY pipeline"),
      "daily|running|2026-12-01\nmonth_end|running|2026-12-01\n");

  // Within one pipeline the team is busy: a manual run is refused, a new slot is skipped with a
  // reason that names the pipeline that was still running.
  Claim manual = claim(manual_request(TeamId{1}, kMonthEnd, now));
  EXPECT_EQ(manual.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(manual.busy_run_id, month_end.record.run_id);
  Claim next_slot = claim(slot_request(TeamId{1}, kMonthEnd, "2026-12-02", now));
  EXPECT_EQ(next_slot.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(next_slot.busy_run_id, month_end.record.run_id);
  EXPECT_EQ(next_slot.record.status, RunStatus::kSkipped);
  EXPECT_EQ(next_slot.record.pipeline, kMonthEnd);
  EXPECT_NE(next_slot.record.error.find("month_end"), std::string::npos) << next_slot.record.error;
  Claim daily_manual = claim(manual_request(TeamId{1}, std::string(kDefaultPipeline), now));
  EXPECT_EQ(daily_manual.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(daily_manual.busy_run_id, daily.record.run_id);

  // Another team's same pipeline is not busy either.
  EXPECT_EQ(claim(manual_request(TeamId{2}, kMonthEnd, now)).outcome, ClaimOutcome::kClaimed);

  // One pipeline ending frees that pipeline only.
  finish(month_end.record.run_id.str(), RunStatus::kCompleted, now + std::chrono::minutes(1));
  EXPECT_EQ(claim(manual_request(TeamId{1}, kMonthEnd, now)).outcome, ClaimOutcome::kClaimed);
  EXPECT_EQ(claim(manual_request(TeamId{1}, std::string(kDefaultPipeline), now)).outcome,
            ClaimOutcome::kTeamBusy);

  // A slot's attempt is recorded once per pipeline.
  EXPECT_EQ(claim(slot_request(TeamId{1}, kMonthEnd, "2026-12-01", now)).outcome,
            ClaimOutcome::kAlreadyRecorded);
  EXPECT_EQ(
      claim(slot_request(TeamId{1}, std::string(kDefaultPipeline), "2026-12-01", now)).outcome,
      ClaimOutcome::kAlreadyRecorded);
}

TEST_P(PipelineOwnerTest, TheSchemaAllowsOneRunningRowAndOneRowPerSlotForEachPipeline) {
  auto insert = [](const std::string& pipeline, const std::string& status, const std::string& slot,
                   const std::string& run_id) {
    return "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, pipeline, status, "
           "triggered_by, attempt, slot_key, run_date, created_at) VALUES ('" +
           run_id + "', 1, 1, '" + pipeline + "', '" + status + "', 'schedule', 1, " + slot +
           ", '2026-12-01', '2026-12-01T04:00:00.000Z')";
  };
  ASSERT_EQ(database_.query(insert("daily", "running", "'2026-12-01'", "r1")).exit_code, 0);
  ASSERT_EQ(database_.query(insert("month_end", "running", "'2026-12-01'", "r2")).exit_code, 0);
  expect_unique_violation(database_, insert("daily", "running", "NULL", "r3"));
  expect_unique_violation(database_, insert("month_end", "completed", "'2026-12-01'", "r4"));
  EXPECT_EQ(sql(database_, "SELECT COUNT(*) FROM pipeline_runs"), "2\n");
}

TEST_P(PipelineOwnerTest, SlotKeysRunDatesStatusesAndUnsettledAttemptsArePerPipeline) {
  record(std::string(kDefaultPipeline), "2026-11-29", RunStatus::kCompleted);
  record(std::string(kDefaultPipeline), "2026-11-30", RunStatus::kFailed);
  record(kMonthEnd, "2026-11-30", RunStatus::kFailed);
  record(std::string(kDefaultPipeline), "2026-12-01", RunStatus::kFailed);
  record(std::string(kDefaultPipeline), "2026-12-01", RunStatus::kCompleted, 2);
  record(kMonthEnd, "2026-11-01", RunStatus::kCompleted);

  auto keys = runs().last_slot_keys();
  ASSERT_TRUE(keys.has_value()) << keys.error().message;
  const std::map<RunOwner, std::string> expected_keys{
      {RunOwner{TeamId{1}, std::string(kDefaultPipeline)}, "2026-12-01"},
      {RunOwner{TeamId{1}, kMonthEnd}, "2026-11-30"}};
  EXPECT_EQ(*keys, expected_keys);

  auto daily_dates = runs().completed_run_dates(RunOwner{TeamId{1}, std::string(kDefaultPipeline)},
                                                "2026-11-01", "2026-12-31");
  ASSERT_TRUE(daily_dates.has_value()) << daily_dates.error().message;
  EXPECT_EQ(*daily_dates, (std::set<std::string>{"2026-11-29", "2026-12-01"}));
  auto month_end_dates =
      runs().completed_run_dates(RunOwner{TeamId{1}, kMonthEnd}, "2026-11-01", "2026-12-31");
  ASSERT_TRUE(month_end_dates.has_value()) << month_end_dates.error().message;
  EXPECT_EQ(*month_end_dates, (std::set<std::string>{"2026-11-01"}));
  auto other_team =
      runs().completed_run_dates(RunOwner{TeamId{2}, kMonthEnd}, "2026-11-01", "2026-12-31");
  ASSERT_TRUE(other_team.has_value());
  EXPECT_TRUE(other_team->empty());

  auto daily_statuses =
      runs().recent_statuses(RunOwner{TeamId{1}, std::string(kDefaultPipeline)}, 10);
  ASSERT_TRUE(daily_statuses.has_value()) << daily_statuses.error().message;
  EXPECT_EQ(*daily_statuses, (std::vector<RunStatus>{RunStatus::kCompleted, RunStatus::kFailed,
                                                     RunStatus::kFailed, RunStatus::kCompleted}));
  auto month_end_statuses = runs().recent_statuses(RunOwner{TeamId{1}, kMonthEnd}, 10);
  ASSERT_TRUE(month_end_statuses.has_value());
  EXPECT_EQ(*month_end_statuses,
            (std::vector<RunStatus>{RunStatus::kFailed, RunStatus::kCompleted}));

  // Daily's failed 2026-12-01 has its retry; the failed 2026-11-30 of each pipeline has none.
  auto unsettled = runs().unsettled_slot_attempts(utc("2026-10-01T00:00:00Z"));
  ASSERT_TRUE(unsettled.has_value()) << unsettled.error().message;
  auto owners = [](const std::vector<RunRecord>& records) {
    std::set<std::string> out;
    for (const RunRecord& r : records) {
      out.insert(r.pipeline + " " + r.slot_key.value_or("(no slot)"));
    }
    return out;
  };
  EXPECT_EQ(owners(*unsettled),
            (std::set<std::string>{"daily 2026-11-30", "month_end 2026-11-30"}));
  // A retry of month_end's slot settles month_end's, not daily's of the same slot key.
  record(kMonthEnd, "2026-11-30", RunStatus::kCompleted, 2);
  unsettled = runs().unsettled_slot_attempts(utc("2026-10-01T00:00:00Z"));
  ASSERT_TRUE(unsettled.has_value());
  EXPECT_EQ(owners(*unsettled), (std::set<std::string>{"daily 2026-11-30"}));

  // `runs --pipeline` filters; without it every pipeline shows.
  RunFilter filter;
  filter.team = TeamFilter{TeamId{1}};
  filter.pipeline = kMonthEnd;
  auto listed = runs().list(filter);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 3u);
  for (const RunRecord& r : *listed) {
    EXPECT_EQ(r.pipeline, kMonthEnd);
  }
  filter.pipeline.reset();
  listed = runs().list(filter);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->size(), 7u);
}

TEST_P(PipelineOwnerTest, AFailingPipelineMakesNoFailureStreakForTheTeamsOtherPipeline) {
  record(std::string(kDefaultPipeline), "2026-11-27", RunStatus::kCompleted);
  record(std::string(kDefaultPipeline), "2026-11-28", RunStatus::kFailed);
  for (const char* slot : {"2026-11-29", "2026-11-30", "2026-12-01"}) {
    record(kMonthEnd, slot, RunStatus::kFailed);
  }
  record(std::string(kDefaultPipeline), "2026-12-01", RunStatus::kTimedOut);

  // Daily has failed twice in a row (the month_end failures between do not count).
  auto daily = failure_streak(runs(), RunOwner{TeamId{1}, std::string(kDefaultPipeline)}, 4);
  ASSERT_TRUE(daily.has_value()) << daily.error().message;
  EXPECT_EQ(daily->failures, 2);
  EXPECT_EQ(daily->failures_before_last, 1);
  // Month_end has failed three times in a row: an alert after 3 failures is its, not daily's.
  auto month_end = failure_streak(runs(), RunOwner{TeamId{1}, kMonthEnd}, 4);
  ASSERT_TRUE(month_end.has_value()) << month_end.error().message;
  EXPECT_EQ(month_end->failures, 3);
  EXPECT_EQ(month_end->failures_before_last, 2);

  // Daily recovering ends daily's streak only.
  record(std::string(kDefaultPipeline), "2026-12-02", RunStatus::kCompleted);
  daily = failure_streak(runs(), RunOwner{TeamId{1}, std::string(kDefaultPipeline)}, 4);
  ASSERT_TRUE(daily.has_value());
  EXPECT_EQ(daily->failures, 0);
  EXPECT_EQ(daily->failures_before_last, 2);
  month_end = failure_streak(runs(), RunOwner{TeamId{1}, kMonthEnd}, 4);
  ASSERT_TRUE(month_end.has_value());
  EXPECT_EQ(month_end->failures, 3);
}

TEST_P(PipelineOwnerTest, APipelineIsFirstScheduledOnceWhicheverServiceAsksLater) {
  ServiceRegistry& registry = db_->registry();
  auto first =
      registry.pipelines_first_scheduled({"month_end", "recon"}, utc("2026-12-01T04:00:00.123Z"));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const std::map<std::string, SysTime> expected{{"month_end", utc("2026-12-01T04:00:00.123Z")},
                                                {"recon", utc("2026-12-01T04:00:00.123Z")}};
  EXPECT_EQ(*first, expected);
  // Another replica, later, with one more pipeline: the known ones keep their time.
  auto later = registry.pipelines_first_scheduled({"recon", "weekly"}, utc("2026-12-03T00:00:00Z"));
  ASSERT_TRUE(later.has_value()) << later.error().message;
  const std::map<std::string, SysTime> expected_later{{"recon", utc("2026-12-01T04:00:00.123Z")},
                                                      {"weekly", utc("2026-12-03T00:00:00Z")}};
  EXPECT_EQ(*later, expected_later);
}

INSTANTIATE_TEST_SUITE_P(Backends, PipelineOwnerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
