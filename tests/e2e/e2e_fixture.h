#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace orch::testing {

// A fresh installation in a temporary folder: its own SQLite file, input and output trees, and
// an environment that points the built `orchestrator` binary at them.
class E2eTest : public ::testing::Test {
 protected:
  E2eTest();

  CommandResult orch(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& extra_env = {});
  std::unique_ptr<BackgroundProcess> serve(
      const std::map<std::string, std::string>& extra_env = {});
  // Waits until the service logged `text` (e.g. "ready").
  bool wait_for_log(BackgroundProcess& service, const std::string& text,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20));

  nlohmann::json runs_json(const std::vector<std::string>& filters = {});
  // Runs `sql` with the sqlite3 command-line shell on the database file.
  CommandResult sqlite(const std::string& sql);

  void add_team(int id, const std::string& name, const std::vector<std::string>& extra = {});
  // A loan tape with `good` valid loans and `bad` exception rows, dated `date` (YYYYMMDD).
  void write_tape(const std::filesystem::path& folder, int good, int bad, const std::string& date);
  std::filesystem::path team_inputs(int team) const;
  std::filesystem::path team_outputs(int team) const;

  // HH:MM:SS in UTC, `seconds` from now.
  static std::string utc_time_in(int seconds);
  static std::string today_utc_compact();  // YYYYMMDD

  // How an error line of a command ends: the configuration and the database it used (built-in
  // defaults and the fixture's DATABASE_URL, or the one `extra_env` gives).
  std::string in_use(const std::map<std::string, std::string>& extra_env = {}) const;

  TempDir dir_;
  std::map<std::string, std::string> env_;
};

// The same end-to-end test on each database backend: the commands and the service must behave
// the same on SQLite and on PostgreSQL (a fresh database of its own per test).
class BackendE2eTest : public E2eTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override;

  // Runs `sql` with the backend's own client (sqlite3, psql) on the test's database.
  CommandResult sql(const std::string& query) const { return database_->query(query); }

  std::unique_ptr<TestDatabase> database_;
};

std::string backend_param_name(const ::testing::TestParamInfo<Backend>& info);

}  // namespace orch::testing
