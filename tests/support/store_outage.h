#pragma once

// A store on a PostgreSQL database whose server drops its connections (what a restart or a
// failover does to a service), for the tests that every store operation outlives an outage.

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch::testing {

// A fresh PostgreSQL database with team 1 ("One"), opened with a pool of two connections. Skips
// without a PostgreSQL server (the tests run under scripts/with_test_services.sh).
class StoreOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    ASSERT_TRUE(db_->teams().add(TeamId{1}, "One", {}, utc("2026-03-01T00:00:00Z")).has_value());
  }

  // What a server restart does to the store's connections.
  void drop_connections() {
    auto dropped = database_.query(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()");
    ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
    ASSERT_NE(dropped.out, "0\n") << "the store had no connection to drop";
  }

  // Calls `attempt` (returning a Result or a Status) until it succeeds; how many tries it took, 0
  // when it never did within 10 s. A failed try must say the database is unavailable.
  template <class Attempt>
  static int tries_until_success(const Attempt& attempt) {
    int tries = 0;
    std::string last_error;
    const bool done = wait_until(
        [&] {
          ++tries;
          auto outcome = attempt();
          if (!outcome) {
            last_error = outcome.error().message;
            EXPECT_EQ(outcome.error().code, ErrorCode::kUnavailable) << last_error;
          }
          return outcome.has_value();
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(done) << "still failing after " << tries << " tries: " << last_error;
    return done ? tries : 0;
  }

  TempDir dir_;
  TestDatabase database_{Backend::kPostgres, dir_.path()};
  std::unique_ptr<Database> db_;
};

}  // namespace orch::testing
