#include "tests/support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace orch::testing {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

CommandResult psql(const std::string& database, const std::string& sql) {
  CommandOptions options;
  options.env["PGTZ"] = "UTC";  // timestamptz printed in UTC, whatever the server's zone
  return run_command({"psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d",
                      database, "-c", sql},
                     options);
}

std::string unique_name() {
  static std::atomic<int> counter{0};
  std::random_device random;
  return "orch_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(random() % 100000);
}

}  // namespace

std::string backend_name(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgresql";
}

TestDatabase::TestDatabase(Backend backend, const std::filesystem::path& dir) : backend_(backend) {
  if (backend == Backend::kSqlite) {
    file_ = dir / "orchestrator.db";
    url_ = "sqlite:" + file_.string();
    return;
  }
  if (env("PGHOST").empty() || env("PGPORT").empty() || env("PGUSER").empty()) {
    return;
  }
  name_ = unique_name();
  auto created = psql("postgres", "CREATE DATABASE " + name_);
  if (created.exit_code != 0) {
    throw std::runtime_error("cannot create test database " + name_ + ": " + created.err);
  }
  url_ = "postgresql://" + env("PGUSER") + "@" + env("PGHOST") + ":" + env("PGPORT") + "/" + name_;
}

TestDatabase::~TestDatabase() {
  if (!name_.empty()) {
    psql("postgres", "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
}

CommandResult TestDatabase::query(const std::string& sql) const {
  if (backend_ == Backend::kSqlite) {
    return run_command({"sqlite3", file_.string(), sql});
  }
  return psql(name_, sql);
}

}  // namespace orch::testing
