#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace orch::testing {

enum class Backend { kSqlite, kPostgres };

// "sqlite" or "postgresql", for test names.
std::string backend_name(Backend backend);

// The name of a test parameterised by backend: backend_name() of its parameter.
inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return backend_name(info.param);
}

// A fresh, empty database of one backend for one test: a file in `dir` for SQLite, a database of
// its own on the test PostgreSQL server for PostgreSQL (dropped again when destroyed). PostgreSQL
// is there when the tests run under scripts/with_test_services.sh, which exports PGHOST, PGPORT
// and PGUSER; otherwise available() is false and the test should skip.
class TestDatabase {
 public:
  TestDatabase(Backend backend, const std::filesystem::path& dir);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool available() const { return !url_.empty(); }
  Backend backend() const { return backend_; }
  // The DATABASE_URL of this database.
  const std::string& url() const { return url_; }

  // Runs SQL with the backend's own command-line client (sqlite3, psql), so tests read what a
  // user's query would; rows come back as lines of '|'-separated values.
  CommandResult query(const std::string& sql) const;

 private:
  Backend backend_;
  std::filesystem::path file_;
  std::string name_;  // PostgreSQL database name
  std::string url_;
};

}  // namespace orch::testing
