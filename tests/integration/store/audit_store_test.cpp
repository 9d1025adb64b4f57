#include "orchestrator/store/audit_store.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "orchestrator/core/audit_actor.h"
#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::Backend;
using testing::utc;

// The audit log and the pause notes, on both backends.
class AuditStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }

  AuditEntry entry(const std::string& actor, const std::string& action, const std::string& target,
                   const std::string& at) {
    AuditEntry e;
    e.at = utc(at);
    e.actor = actor;
    e.action = action;
    e.target = target;
    return e;
  }

  std::int64_t record(const AuditEntry& e) {
    auto id = db_->audit().record(e);
    EXPECT_TRUE(id.has_value()) << id.error().message;
    return id ? *id : 0;
  }

  std::vector<AuditEntry> page(const AuditQuery& query) {
    auto rows = db_->audit().page(query);
    EXPECT_TRUE(rows.has_value()) << rows.error().message;
    return rows ? *rows : std::vector<AuditEntry>{};
  }

  static std::vector<std::int64_t> ids(const std::vector<AuditEntry>& entries) {
    std::vector<std::int64_t> out;
    for (const AuditEntry& e : entries) {
      out.push_back(e.id);
    }
    return out;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_P(AuditStoreTest, KeepsEveryFieldAsWritten) {
  AuditEntry e = entry("cli:alice", "teams.update", "team:7", "2026-12-05T03:04:05Z");
  e.before = R"({"run_time":"02:00:00"})";
  e.after = R"({"run_time":"03:30:00"})";
  std::int64_t id = record(e);
  ASSERT_GT(id, 0);

  auto rows = page({});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].id, id);
  EXPECT_EQ(rows[0].at, utc("2026-12-05T03:04:05Z"));
  EXPECT_EQ(rows[0].actor, "cli:alice");
  EXPECT_EQ(rows[0].action, "teams.update");
  EXPECT_EQ(rows[0].target, "team:7");
  EXPECT_EQ(rows[0].before, R"({"run_time":"02:00:00"})");
  EXPECT_EQ(rows[0].after, R"({"run_time":"03:30:00"})");
}

TEST_P(AuditStoreTest, KeepsAMissingSideAndTargetAsNone) {
  record(entry("api:ops", "reschedule", "", "2026-12-05T03:00:00Z"));
  auto rows = page({});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].target, "");
  EXPECT_FALSE(rows[0].before.has_value());
  EXPECT_FALSE(rows[0].after.has_value());
  // NULL in the table, not an empty string, so that SQL reads it naturally.
  auto nulls = database_.query(
      "SELECT COUNT(*) FROM audit_log WHERE target IS NULL AND "
      "before IS NULL AND after IS NULL");
  EXPECT_EQ(nulls.out, "1\n");
}

TEST_P(AuditStoreTest, RefusesAnEntryWithoutActorOrAction) {
  auto no_actor = db_->audit().record(entry("", "teams.pause", "team:1", "2026-12-05T03:00:00Z"));
  ASSERT_FALSE(no_actor.has_value());
  EXPECT_EQ(no_actor.error().code, ErrorCode::kInvalidArgument);
  auto no_action = db_->audit().record(entry("cli:bob", "", "team:1", "2026-12-05T03:00:00Z"));
  ASSERT_FALSE(no_action.has_value());
  EXPECT_EQ(no_action.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(page({}).empty());
}

TEST_P(AuditStoreTest, PagesNewestFirstWithACursor) {
  std::vector<std::int64_t> written;
  for (int i = 0; i < 5; ++i) {
    // The clock going backwards does not reorder the log: the order is the order of writing.
    written.push_back(record(entry("cli:alice", "teams.pause", "team:" + std::to_string(i),
                                   i == 3 ? "2026-12-01T00:00:00Z" : "2026-12-05T03:00:00Z")));
  }
  AuditQuery first;
  first.limit = 2;
  auto one = page(first);
  EXPECT_EQ(ids(one), (std::vector<std::int64_t>{written[4], written[3]}));
  AuditQuery next = first;
  next.before_id = one.back().id;
  auto two = page(next);
  EXPECT_EQ(ids(two), (std::vector<std::int64_t>{written[2], written[1]}));
  next.before_id = two.back().id;
  EXPECT_EQ(ids(page(next)), (std::vector<std::int64_t>{written[0]}));
}

TEST_P(AuditStoreTest, FiltersByTargetAndActor) {
  std::int64_t a = record(entry("cli:alice", "teams.pause", "team:7", "2026-12-05T03:00:00Z"));
  std::int64_t b = record(entry("api:ops", "teams.resume", "team:7", "2026-12-05T03:01:00Z"));
  record(entry("api:ops", "teams.pause", "team:8", "2026-12-05T03:02:00Z"));
  std::int64_t d =
      record(entry("api:ops", "teams.pause", "team:7/pipeline:month_end", "2026-12-05T03:03:00Z"));

  record(entry("api:ops", "teams.pause", "team:77", "2026-12-05T03:04:00Z"));

  // A team's target finds its pipelines' too, and not another team's whose id begins alike.
  AuditQuery by_target;
  by_target.target = "team:7";
  EXPECT_EQ(ids(page(by_target)), (std::vector<std::int64_t>{d, b, a}));
  AuditQuery by_both = by_target;
  by_both.actor = "api:ops";
  EXPECT_EQ(ids(page(by_both)), (std::vector<std::int64_t>{d, b}));
  AuditQuery pipeline;
  pipeline.target = "team:7/pipeline:month_end";
  EXPECT_EQ(ids(page(pipeline)), (std::vector<std::int64_t>{d}));
  AuditQuery nobody;
  nobody.actor = "cli:nobody";
  EXPECT_TRUE(page(nobody).empty());
}

TEST_P(AuditStoreTest, SeesEntriesWrittenByAnotherProcess) {
  auto other = Database::open(database_.url(), 1, Database::OpenMode::kExisting);
  ASSERT_TRUE(other.has_value()) << other.error().message;
  AuditEntry e = entry("cli:carol", "backfill", "team:2", "2026-12-05T03:00:00Z");
  auto id = (*other)->audit().record(e);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  auto rows = page({});
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].actor, "cli:carol");
}

TEST_P(AuditStoreTest, APauseKeepsItsNoteAndAResumeClearsIt) {
  auto added = db_->teams().add(TeamId{7}, "Seven", {}, utc("2026-12-01T00:00:00Z"));
  ASSERT_TRUE(added.has_value()) << added.error().message;
  EXPECT_FALSE(added->pause_note.has_value());

  auto paused = db_->teams().set_paused(TeamId{7}, true, utc("2026-12-02T00:00:00Z"),
                                        std::string("quarter close"));
  ASSERT_TRUE(paused.has_value()) << paused.error().message;
  EXPECT_TRUE(paused->paused);
  EXPECT_EQ(paused->pause_note, "quarter close");
  // A second pause without a note keeps it; one with a note replaces it.
  auto again = db_->teams().set_paused(TeamId{7}, true, utc("2026-12-02T01:00:00Z"), std::nullopt);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->pause_note, "quarter close");
  auto renoted = db_->teams().set_paused(TeamId{7}, true, utc("2026-12-02T02:00:00Z"),
                                         std::string("until the audit ends"));
  ASSERT_TRUE(renoted.has_value());
  EXPECT_EQ(renoted->pause_note, "until the audit ends");
  auto listed = db_->teams().list(TeamStore::Which::kAll);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1U);
  EXPECT_EQ(listed->front().pause_note, "until the audit ends");

  auto resumed = db_->teams().set_paused(TeamId{7}, false, utc("2026-12-03T00:00:00Z"),
                                         std::string("ignored"));
  ASSERT_TRUE(resumed.has_value());
  EXPECT_FALSE(resumed->paused);
  EXPECT_FALSE(resumed->pause_note.has_value());
}

TEST_P(AuditStoreTest, APipelinePauseKeepsItsOwnNote) {
  ASSERT_TRUE(db_->teams().add(TeamId{7}, "Seven", {}, utc("2026-12-01T00:00:00Z")).has_value());
  auto paused = db_->teams().set_pipeline_paused(
      TeamId{7}, "month_end", true, utc("2026-12-02T00:00:00Z"), std::string("ledger migration"));
  ASSERT_TRUE(paused.has_value()) << paused.error().message;
  EXPECT_FALSE(paused->paused);
  EXPECT_FALSE(paused->pause_note.has_value());
  ASSERT_EQ(paused->pipeline_settings.size(), 1U);
  EXPECT_TRUE(paused->pipeline_settings[0].paused);
  EXPECT_EQ(paused->pipeline_settings[0].pause_note, "ledger migration");

  auto found = db_->teams().find(TeamId{7});
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->pipeline_settings.at(0).pause_note, "ledger migration");

  auto resumed = db_->teams().set_pipeline_paused(TeamId{7}, "month_end", false,
                                                  utc("2026-12-03T00:00:00Z"), std::nullopt);
  ASSERT_TRUE(resumed.has_value());
  ASSERT_EQ(resumed->pipeline_settings.size(), 1U);
  EXPECT_FALSE(resumed->pipeline_settings[0].paused);
  EXPECT_FALSE(resumed->pipeline_settings[0].pause_note.has_value());
}

TEST(AuditActor, NamesTheCommandLinesUserAndTheApisToken) {
  // What `id -un` says the user is called (its uid when it has no name).
  auto name = testing::run_command({"id", "-un"});
  std::string expected = name.out.substr(0, name.out.find('\n'));
  if (name.exit_code != 0 || expected.empty()) {
    expected = testing::run_command({"id", "-u"}).out;
    expected = expected.substr(0, expected.find('\n'));
  }
  EXPECT_EQ(cli_actor(), "cli:" + expected);
  EXPECT_EQ(api_actor("ops"), "api:ops");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
