#include "orchestrator/store/team_store.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "config/base/time.h"
#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

using std::chrono::seconds;

using testing::Backend;

std::unique_ptr<Database> open_database(const std::string& url) {
  auto db = Database::open(url, 2, Database::OpenMode::kCreateIfMissing);
  if (!db) {
    ADD_FAILURE() << "cannot open " << url << ": " << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

std::unique_ptr<Database> open_database(const std::filesystem::path& file) {
  return open_database("sqlite:" + file.string());
}

// What the database's own command-line client prints for `query`, trailing newline removed.
std::string sql(const testing::TestDatabase& database, const std::string& query) {
  auto result = database.query(query);
  EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
  while (!result.out.empty() && result.out.back() == '\n') {
    result.out.pop_back();
  }
  return result.out;
}

// The schema tests run on both backends.
class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
};

std::string latest() {
  return std::to_string(Database::latest_schema_version());
}

TEST_P(DatabaseTest, MigratingTwiceIsANoOp) {
  auto db = open_database(database_.url());
  ASSERT_NE(db, nullptr);
  auto first = db->migrate();
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(*first, Database::latest_schema_version());
  auto second = db->migrate();
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(*second, Database::latest_schema_version());
  EXPECT_EQ(sql(database_, "SELECT MAX(version) FROM schema_migrations"), latest());
  std::string count = sql(database_, "SELECT COUNT(*) FROM schema_migrations");
  EXPECT_EQ(sql(database_, "SELECT COUNT(DISTINCT version) FROM schema_migrations"), count);
}

// Replicas starting together on a new database: each migrates, the schema is created once.
TEST_P(DatabaseTest, SeveralServicesOpeningANewDatabaseAtOnceMigrateItOnce) {
  std::string url = database_.url();
  constexpr int kServices = 8;
  std::latch ready(kServices);
  std::vector<std::string> errors(kServices);
  std::vector<std::thread> threads;
  threads.reserve(kServices);
  for (int i = 0; i < kServices; ++i) {
    threads.emplace_back([&url, &ready, &errors, i] {
      ready.arrive_and_wait();
      auto db = Database::open(url, 2, Database::OpenMode::kCreateIfMissing);
      if (!db) {
        errors[static_cast<std::size_t>(i)] = db.error().message;
        return;
      }
      auto version = (*db)->migrate();
      if (!version || *version != Database::latest_schema_version()) {
        errors[static_cast<std::size_t>(i)] =
            version ? "version " + std::to_string(*version) : version.error().message;
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  for (int i = 0; i < kServices; ++i) {
    EXPECT_EQ(errors[static_cast<std::size_t>(i)], "") << "service " << i;
  }
  EXPECT_EQ(sql(database_, "SELECT MAX(version) FROM schema_migrations"), latest());
  EXPECT_EQ(sql(database_, "SELECT COUNT(*) - COUNT(DISTINCT version) FROM schema_migrations"),
            "0");
  EXPECT_EQ(
      sql(database_, "SELECT COUNT(*) FROM orchestrator_state WHERE name = 'schedule_generation'"),
      "1");
}

TEST_P(DatabaseTest, ReopeningKeepsTheDataAndTheVersion) {
  {
    auto db = open_database(database_.url());
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->teams().add(TeamId{1}, "East", {}, utc("2026-03-01T00:00:00Z")).has_value());
  }
  auto db = open_database(database_.url());
  ASSERT_NE(db, nullptr);
  auto version = db->migrate();
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(*version, Database::latest_schema_version());
  auto team = db->teams().find(TeamId{1});
  ASSERT_TRUE(team.has_value());
  ASSERT_TRUE(team->has_value());
  EXPECT_EQ((*team)->name, "East");
}

TEST(Database, AppliesAVersionMissingBelowTheHighestApplied) {
  testing::TempDir dir;
  testing::TestDatabase file(Backend::kSqlite, dir.path());
  {
    auto db = open_database(file.url());
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->teams().add(TeamId{1}, "East", {}, utc("2026-03-01T00:00:00Z")).has_value());
  }
  // A file whose version 3 is not applied while a higher one could be: reopening applies it and
  // keeps the data.
  sql(file,
      "CREATE TABLE t AS SELECT id, name, is_active, run_time, timezone, notify_email, "
      "notify_slack_webhook, pipelines, wait_for_inputs_seconds, upstreams, dst_skipped, "
      "dst_repeated, overlap, pause_note, active_since, "
      "created_at, updated_at FROM sales_teams; "
      "DROP TABLE sales_teams; ALTER TABLE t RENAME TO sales_teams; "
      "DELETE FROM schema_migrations WHERE version = 3;");
  auto db = open_database(file.url());
  ASSERT_NE(db, nullptr);
  auto team = db->teams().find(TeamId{1});
  ASSERT_TRUE(team.has_value()) << team.error().message;
  ASSERT_TRUE(team->has_value());
  EXPECT_FALSE((*team)->paused);
  EXPECT_EQ(sql(file, "SELECT group_concat(version) FROM schema_migrations ORDER BY version"),
            "1,2,3,4,5,6,8,9,10,11");
}

TEST(Database, CreatesTheFoldersOfANewFile) {
  testing::TempDir dir;
  auto db = open_database(dir / "nested" / "deeper" / "orchestrator.db");
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir / "nested" / "deeper" / "orchestrator.db"));
}

TEST(Database, RefusesAnUnknownUrl) {
  auto db =
      Database::open("mysql://localhost/orchestrator", 1, Database::OpenMode::kCreateIfMissing);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, ErrorCode::kInvalidArgument);
  auto empty = Database::open("sqlite:", 1, Database::OpenMode::kCreateIfMissing);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

class TeamStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    db_ = open_database(database_.url());
    ASSERT_NE(db_, nullptr);
  }

  TeamStore& teams() { return db_->teams(); }

  Team add(std::optional<TeamId> id, const std::string& name, const TeamChanges& settings,
           SysTime now) {
    auto team = teams().add(id, name, settings, now);
    EXPECT_TRUE(team.has_value()) << team.error().message;
    return team ? *team : Team{};
  }

  Team find(TeamId id) {
    auto team = teams().find(id);
    EXPECT_TRUE(team.has_value()) << team.error().message;
    EXPECT_TRUE(team.has_value() && team->has_value()) << "no team " << id.value;
    return team && *team ? **team : Team{};
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

std::vector<std::int64_t> ids(const std::vector<Team>& teams) {
  std::vector<std::int64_t> out;
  out.reserve(teams.size());
  for (const Team& t : teams) {
    out.push_back(t.id.value);
  }
  return out;
}

TEST_P(TeamStoreTest, AddsATeamWithItsSettings) {
  SysTime now = utc("2026-03-01T09:15:00.250Z");
  TeamChanges settings;
  settings.run_time = "02:00";
  settings.timezone = "America/New_York";
  settings.notify_email = "ops@example.com,lead@example.com";
  settings.notify_slack_webhook = "https://hooks.slack.com/services/T/B/X";
  Team added = add(TeamId{7}, "East coast", settings, now);
  EXPECT_EQ(added.id, TeamId{7});
  EXPECT_EQ(added.name, "East coast");
  EXPECT_TRUE(added.active);
  EXPECT_EQ(added.run_time, "02:00");
  EXPECT_EQ(added.timezone, "America/New_York");
  EXPECT_EQ(added.notify_email, "ops@example.com,lead@example.com");
  EXPECT_EQ(added.notify_slack_webhook, "https://hooks.slack.com/services/T/B/X");
  EXPECT_EQ(format_utc(added.active_since), "2026-03-01T09:15:00.250Z");
  EXPECT_EQ(format_utc(added.created_at), "2026-03-01T09:15:00.250Z");
  EXPECT_EQ(format_utc(added.updated_at), "2026-03-01T09:15:00.250Z");

  Team found = find(TeamId{7});
  EXPECT_EQ(found.name, "East coast");
  EXPECT_EQ(found.run_time, "02:00");
  EXPECT_EQ(found.timezone, "America/New_York");
  EXPECT_EQ(found.active_since, now);
}

TEST_P(TeamStoreTest, LeavesUnsetSettingsEmpty) {
  TeamChanges settings;
  settings.timezone = "";  // an empty string is no value
  Team added = add(TeamId{1}, "Plain", settings, utc("2026-03-01T00:00:00Z"));
  EXPECT_EQ(added.run_time, std::nullopt);
  EXPECT_EQ(added.timezone, std::nullopt);
  EXPECT_EQ(added.notify_email, std::nullopt);
  EXPECT_EQ(added.notify_slack_webhook, std::nullopt);
  EXPECT_EQ(sql(database_,
                "SELECT CAST(timezone IS NULL AS INTEGER), CAST(run_time IS NULL AS INTEGER) FROM "
                "sales_teams"),
            "1|1");
}

TEST_P(TeamStoreTest, RefusesATakenId) {
  add(TeamId{3}, "First", {}, utc("2026-03-01T00:00:00Z"));
  auto again = teams().add(TeamId{3}, "Second", {}, utc("2026-03-02T00:00:00Z"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(find(TeamId{3}).name, "First");
}

TEST_P(TeamStoreTest, AddsWithoutAnIdAsTheNextAfterTheLargest) {
  SysTime now = utc("2026-03-01T00:00:00Z");
  EXPECT_EQ(add(std::nullopt, "First", {}, now).id, TeamId{1});
  EXPECT_EQ(add(TeamId{5}, "Fifth", {}, now).id, TeamId{5});
  EXPECT_EQ(add(std::nullopt, "Sixth", {}, now).id, TeamId{6});
  EXPECT_EQ(add(TeamId{3}, "Third", {}, now).id, TeamId{3});
  EXPECT_EQ(add(std::nullopt, "Seventh", {}, now).id, TeamId{7});
}

// Issue 13: past the top, the next id was 2147483648, which every command then refused.
TEST_P(TeamStoreTest, RefusesToAddWithoutAnIdPastTheLargestId) {
  SysTime now = utc("2026-03-01T00:00:00Z");
  add(TeamId{kMaxTeamId}, "Top", {}, now);
  auto next = teams().add(std::nullopt, "Over", {}, now);
  ASSERT_FALSE(next.has_value());
  EXPECT_EQ(next.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(next.error().message.find("2147483647"), std::string::npos) << next.error().message;
  auto all = teams().list(TeamStore::Which::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(ids(*all), std::vector<std::int64_t>{kMaxTeamId});
  EXPECT_EQ(add(TeamId{4}, "Below", {}, now).id, TeamId{4}) << "a free id still works";
}

TEST_P(TeamStoreTest, ListsActiveOrAllTeamsById) {
  SysTime now = utc("2026-03-01T00:00:00Z");
  add(TeamId{3}, "Three", {}, now);
  add(TeamId{1}, "One", {}, now);
  add(TeamId{2}, "Two", {}, now);
  ASSERT_TRUE(
      teams().set_active(TeamId{2}, TeamStore::Activity::kInactive, now + seconds(1)).has_value());

  auto active = teams().list(TeamStore::Which::kActive);
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(ids(*active), (std::vector<std::int64_t>{1, 3}));
  auto all = teams().list(TeamStore::Which::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(ids(*all), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_FALSE((*all)[1].active);
}

TEST_P(TeamStoreTest, ListsNothingWhenEmpty) {
  auto all = teams().list(TeamStore::Which::kAll);
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE(all->empty());
}

TEST_P(TeamStoreTest, FindsNothingForAnUnknownId) {
  auto team = teams().find(TeamId{42});
  ASSERT_TRUE(team.has_value());
  EXPECT_EQ(*team, std::nullopt);
}

TEST_P(TeamStoreTest, UpdatesOnlyTheFieldsGiven) {
  SysTime created = utc("2026-03-01T00:00:00Z");
  TeamChanges settings;
  settings.run_time = "02:00";
  settings.timezone = "Europe/London";
  settings.notify_email = "ops@example.com";
  add(TeamId{1}, "One", settings, created);

  TeamChanges changes;
  changes.name = "Uno";
  changes.run_time = "03:30";
  SysTime later = utc("2026-03-05T12:00:00.500Z");
  auto updated = teams().update(TeamId{1}, changes, later);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->name, "Uno");
  EXPECT_EQ(updated->run_time, "03:30");
  EXPECT_EQ(updated->timezone, "Europe/London");
  EXPECT_EQ(updated->notify_email, "ops@example.com");
  EXPECT_EQ(format_utc(updated->updated_at), "2026-03-05T12:00:00.500Z");
  EXPECT_EQ(updated->created_at, created);
  EXPECT_EQ(updated->active_since, created);

  Team found = find(TeamId{1});
  EXPECT_EQ(found.name, "Uno");
  EXPECT_EQ(found.run_time, "03:30");
  EXPECT_EQ(found.timezone, "Europe/London");
}

TEST_P(TeamStoreTest, ClearsAnOptionalFieldGivenAnEmptyString) {
  TeamChanges settings;
  settings.run_time = "02:00";
  settings.timezone = "Europe/London";
  settings.notify_slack_webhook = "https://hooks.slack.com/services/T/B/X";
  add(TeamId{1}, "One", settings, utc("2026-03-01T00:00:00Z"));

  TeamChanges changes;
  changes.timezone = "";
  changes.notify_slack_webhook = "";
  auto updated = teams().update(TeamId{1}, changes, utc("2026-03-02T00:00:00Z"));
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->timezone, std::nullopt);
  EXPECT_EQ(updated->notify_slack_webhook, std::nullopt);
  EXPECT_EQ(updated->run_time, "02:00");
  EXPECT_EQ(sql(database_,
                "SELECT CAST(timezone IS NULL AS INTEGER), CAST(notify_slack_webhook IS NULL AS "
                "INTEGER), "
                "run_time "
                "FROM sales_teams WHERE id = 1"),
            "1|1|02:00");
}

TEST_P(TeamStoreTest, RefusesToUpdateAnUnknownTeam) {
  TeamChanges changes;
  changes.name = "Nobody";
  auto updated = teams().update(TeamId{9}, changes, utc("2026-03-02T00:00:00Z"));
  ASSERT_FALSE(updated.has_value());
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

TEST_P(TeamStoreTest, ReactivationResetsActiveSince) {
  SysTime created = utc("2026-03-01T00:00:00Z");
  add(TeamId{1}, "One", {}, created);

  SysTime deactivated = utc("2026-03-02T00:00:00Z");
  auto off = teams().set_active(TeamId{1}, TeamStore::Activity::kInactive, deactivated);
  ASSERT_TRUE(off.has_value()) << off.error().message;
  EXPECT_FALSE(off->active);
  EXPECT_EQ(off->active_since, created);
  EXPECT_EQ(off->updated_at, deactivated);

  SysTime reactivated = utc("2026-03-09T08:00:00.125Z");
  auto on = teams().set_active(TeamId{1}, TeamStore::Activity::kActive, reactivated);
  ASSERT_TRUE(on.has_value()) << on.error().message;
  EXPECT_TRUE(on->active);
  EXPECT_EQ(format_utc(on->active_since), "2026-03-09T08:00:00.125Z");
  EXPECT_EQ(on->updated_at, reactivated);
  EXPECT_EQ(on->created_at, created);
  EXPECT_EQ(find(TeamId{1}).active_since, reactivated);
}

TEST_P(TeamStoreTest, ActivatingAnActiveTeamKeepsActiveSince) {
  SysTime created = utc("2026-03-01T00:00:00Z");
  add(TeamId{1}, "One", {}, created);
  auto on =
      teams().set_active(TeamId{1}, TeamStore::Activity::kActive, utc("2026-03-05T00:00:00Z"));
  ASSERT_TRUE(on.has_value()) << on.error().message;
  EXPECT_TRUE(on->active);
  EXPECT_EQ(on->active_since, created);
}

TEST_P(TeamStoreTest, RefusesToActivateAnUnknownTeam) {
  auto on =
      teams().set_active(TeamId{9}, TeamStore::Activity::kActive, utc("2026-03-05T00:00:00Z"));
  ASSERT_FALSE(on.has_value());
  EXPECT_EQ(on.error().code, ErrorCode::kNotFound);
}

TEST_P(TeamStoreTest, KeepsACronExpressionAndClearsItGivenAnEmptyString) {
  SysTime created = utc("2026-03-01T00:00:00Z");
  TeamChanges settings;
  settings.cron = "*/15 9-17 * * mon-fri";
  Team added = add(TeamId{1}, "One", settings, created);
  EXPECT_EQ(added.cron, "*/15 9-17 * * mon-fri");
  EXPECT_FALSE(added.run_time.has_value());
  EXPECT_EQ(find(TeamId{1}).cron, "*/15 9-17 * * mon-fri");

  TeamChanges cleared;
  cleared.cron = "";
  cleared.run_time = "03:00:00";
  auto updated = teams().update(TeamId{1}, cleared, utc("2026-03-02T00:00:00Z"));
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_FALSE(updated->cron.has_value());
  EXPECT_EQ(updated->run_time, "03:00:00");
}

TEST_P(TeamStoreTest, KeepsRetryOverridesAndClearsThemGivenAnEmptyString) {
  TeamChanges settings;
  settings.retry_max_attempts = "4";
  settings.retry_max_delay_seconds = "900";
  Team added = add(TeamId{1}, "One", settings, utc("2026-03-01T00:00:00Z"));
  EXPECT_EQ(added.retry_max_attempts, 4);
  EXPECT_FALSE(added.retry_initial_delay_seconds.has_value());
  EXPECT_EQ(added.retry_max_delay_seconds, 900);

  TeamChanges changes;
  changes.retry_max_attempts = "";
  changes.retry_initial_delay_seconds = "30";
  auto updated = teams().update(TeamId{1}, changes, utc("2026-03-02T00:00:00Z"));
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_FALSE(updated->retry_max_attempts.has_value());
  EXPECT_EQ(updated->retry_initial_delay_seconds, 30);
  EXPECT_EQ(updated->retry_max_delay_seconds, 900);
}

TEST_P(TeamStoreTest, ANewCronExpressionStartsTheScheduleAfresh) {
  SysTime created = utc("2026-03-01T00:00:00Z");
  add(TeamId{1}, "One", {}, created);
  TeamChanges renamed;
  renamed.name = "Uno";
  auto same = teams().update(TeamId{1}, renamed, utc("2026-03-02T00:00:00Z"));
  ASSERT_TRUE(same.has_value()) << same.error().message;
  EXPECT_EQ(same->active_since, created);

  TeamChanges cron;
  cron.cron = "0 * * * *";
  SysTime changed = utc("2026-03-03T10:20:00Z");
  auto updated = teams().update(TeamId{1}, cron, changed);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->active_since, changed);
}

TEST_P(TeamStoreTest, PausingKeepsATeamActiveAndResumingStartsItAfresh) {
  SysTime created = utc("2026-03-01T00:00:00Z");
  add(TeamId{1}, "One", {}, created);
  EXPECT_FALSE(find(TeamId{1}).paused);

  auto paused = teams().set_paused(TeamId{1}, true, utc("2026-03-02T00:00:00Z"), std::nullopt);
  ASSERT_TRUE(paused.has_value()) << paused.error().message;
  EXPECT_TRUE(paused->paused);
  EXPECT_TRUE(paused->active);
  EXPECT_EQ(paused->active_since, created);
  auto active = teams().list(TeamStore::Which::kActive);
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(ids(*active), (std::vector<std::int64_t>{1}));

  SysTime resumed_at = utc("2026-03-05T07:30:00Z");
  auto resumed = teams().set_paused(TeamId{1}, false, resumed_at, std::nullopt);
  ASSERT_TRUE(resumed.has_value()) << resumed.error().message;
  EXPECT_FALSE(resumed->paused);
  EXPECT_EQ(resumed->active_since, resumed_at);
  EXPECT_EQ(find(TeamId{1}).active_since, resumed_at);

  // Resuming a team that is not paused changes nothing.
  auto again = teams().set_paused(TeamId{1}, false, utc("2026-03-06T00:00:00Z"), std::nullopt);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->active_since, resumed_at);
}

TEST_P(TeamStoreTest, RefusesToPauseAnUnknownTeam) {
  auto paused = teams().set_paused(TeamId{9}, true, utc("2026-03-05T00:00:00Z"), std::nullopt);
  ASSERT_FALSE(paused.has_value());
  EXPECT_EQ(paused.error().code, ErrorCode::kNotFound);
}

TEST_P(TeamStoreTest, SeesTeamsAddedByAnotherProcess) {
  auto other = open_database(database_.url());
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->teams().add(TeamId{4}, "Four", {}, utc("2026-03-01T00:00:00Z")).has_value());
  EXPECT_EQ(find(TeamId{4}).name, "Four");
  auto taken = teams().add(TeamId{4}, "Again", {}, utc("2026-03-01T00:00:00Z"));
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, TeamStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
