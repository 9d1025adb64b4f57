#include "tests/e2e/e2e_fixture.h"

#include <date/date.h>

namespace orch::testing {

E2eTest::E2eTest() {
  env_ = {
      {"DATABASE_URL", "sqlite:" + (dir_ / "orchestrator.db").string()},
      {"INPUT_DIR", (dir_ / "inputs").string()},
      {"OUTPUT_DIR", (dir_ / "outputs").string()},
      {"SCHEDULER_TIMEZONE", "UTC"},
      {"DAILY_RUN_TIME", "02:00"},
      {"GENERAL_RUN_ENABLED", "false"},
      {"MAX_PARALLEL_RUNS", "4"},
      {"SHUTDOWN_GRACE_SECONDS", "1"},
      // Variables the developer's shell may set must not leak into the test's configuration.
      {"PIPELINE_COMMAND", ""},
      {"ENABLE_SCHEDULER", ""},
      {"MISFIRE_GRACE_SECONDS", ""},
      {"NOTIFY_CHANNELS", ""},
      {"ORCHESTRATOR_CONFIG", ""},
      {"JOURNAL_STREAM", ""},
      // Any free port: services of tests running side by side must not compete for one.
      {"API_LISTEN", "127.0.0.1:0"},
  };
}

CommandResult E2eTest::orch(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& extra_env) {
  CommandOptions options;
  options.working_dir = dir_.path();
  options.env = env_;
  for (const auto& [k, v] : extra_env) {
    options.env[k] = v;
  }
  return run_orchestrator(args, options);
}

std::unique_ptr<BackgroundProcess> E2eTest::serve(
    const std::map<std::string, std::string>& extra_env) {
  CommandOptions options;
  options.working_dir = dir_.path();
  options.env = env_;
  for (const auto& [k, v] : extra_env) {
    options.env[k] = v;
  }
  static int counter = 0;
  return std::make_unique<BackgroundProcess>(
      std::vector<std::string>{ORCH_BINARY, "serve"}, options,
      dir_ / ("serve-" + std::to_string(++counter) + ".log"));
}

bool E2eTest::wait_for_log(BackgroundProcess& service, const std::string& text,
                           std::chrono::milliseconds timeout) {
  return wait_until([&] { return service.output().find(text) != std::string::npos; }, timeout);
}

std::string E2eTest::in_use(const std::map<std::string, std::string>& extra_env) const {
  auto url = extra_env.find("DATABASE_URL");
  return " (config: built-in defaults, database: " +
         (url != extra_env.end() ? url->second : env_.at("DATABASE_URL")) + ")";
}

nlohmann::json E2eTest::runs_json(const std::vector<std::string>& filters) {
  std::vector<std::string> args{"runs", "--format", "json", "--limit", "1000"};
  args.insert(args.end(), filters.begin(), filters.end());
  auto result = orch(args);
  if (result.exit_code != 0) {
    ADD_FAILURE() << "runs failed: " << result.err;
    return nlohmann::json::array();
  }
  return nlohmann::json::parse(result.out);
}

CommandResult E2eTest::sqlite(const std::string& sql) {
  return run_command({"sqlite3", (dir_ / "orchestrator.db").string(), sql});
}

void E2eTest::add_team(int id, const std::string& name, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"teams", "add", "--id", std::to_string(id), "--name", name};
  args.insert(args.end(), extra.begin(), extra.end());
  auto result = orch(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

void E2eTest::write_tape(const std::filesystem::path& folder, int good, int bad,
                         const std::string& date) {
  std::string csv = "loan_id,borrower,amount,rate,term_months\n";
  for (int i = 1; i <= good; ++i) {
    csv += "G" + std::to_string(i) + ",Borrower " + std::to_string(i) + ",1000.50,4.5,36\n";
  }
  for (int i = 1; i <= bad; ++i) {
    csv += "B" + std::to_string(i) + ",,-5,4.5,36\n";
  }
  write_file(folder / ("loans_" + date + ".csv"), csv);
}

std::filesystem::path E2eTest::team_inputs(int team) const {
  return dir_ / "inputs" / ("sales_team_" + std::to_string(team)) / "files_required";
}

std::filesystem::path E2eTest::team_outputs(int team) const {
  return dir_ / "outputs" / ("sales_team_" + std::to_string(team));
}

std::string E2eTest::utc_time_in(int seconds) {
  auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
           std::chrono::seconds(seconds);
  return date::format("%H:%M:%S", t);
}

std::string E2eTest::today_utc_compact() {
  return date::format("%Y%m%d", date::floor<date::days>(std::chrono::system_clock::now()));
}

void BackendE2eTest::SetUp() {
  database_ = std::make_unique<TestDatabase>(GetParam(), dir_.path());
  if (!database_->available()) {
    GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
  }
  env_["DATABASE_URL"] = database_->url();
}

std::string backend_param_name(const ::testing::TestParamInfo<Backend>& info) {
  return backend_name(info.param);
}

// One instantiation for the TEST_Ps of every e2e file.
INSTANTIATE_TEST_SUITE_P(Backends, BackendE2eTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_param_name);

}  // namespace orch::testing
