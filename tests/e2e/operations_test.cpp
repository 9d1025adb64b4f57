// What an operator of the installed service relies on: --version everywhere, which configuration
// and database a command used, journald's form of the log, the check-config preflight and the
// retention of the run history.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/base/journal_socket.h"
#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

std::string built_version() {
  auto result = run_orchestrator({"--version"});
  return result.out;
}

TEST_F(E2eTest, VersionIsAcceptedByEveryCommand) {
  std::string version = built_version();
  ASSERT_TRUE(version.starts_with("orchestrator ")) << version;
  ASSERT_TRUE(version.ends_with("\n")) << version;
  for (const std::vector<std::string>& args : {std::vector<std::string>{"serve", "--version"},
                                               {"run", "--version"},
                                               {"teams", "list", "--version"},
                                               {"prune", "--version"},
                                               {"check-config", "--version"},
                                               {"notify", "test", "--version"}}) {
    SCOPED_TRACE(args.front());
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, version);
  }
}

TEST_F(E2eTest, ReadyLineAndStatusShowTheVersion) {
  std::string version = built_version();
  version = version.substr(13, version.size() - 14);  // "orchestrator X\n" -> "X"
  auto service = serve();
  ASSERT_TRUE(wait_for_log(*service, " ready ")) << service->output();
  EXPECT_EQ(lines_containing(service->output(), " ready instance=").size(), 1u);
  EXPECT_NE(service->output().find(" version=" + version + " "), std::string::npos)
      << service->output();
  auto status = orch({"status", "--format", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("\"version\": \"" + version + "\""), std::string::npos) << status.out;
}

// --config, else $ORCHESTRATOR_CONFIG, else ./orchestrator.toml (the system's file comes last;
// config_discovery_test covers the whole order).
TEST_F(E2eTest, ConfigFileComesFromTheOptionTheVariableOrTheWorkingFolder) {
  write_file(dir_ / "orchestrator.toml", "[api]\nlisten = \"127.0.0.1:3\"\n");
  write_file(dir_ / "etc" / "from_env.toml", "[api]\nlisten = \"127.0.0.1:2\"\n");
  write_file(dir_ / "etc" / "given.toml", "[api]\nlisten = \"127.0.0.1:1\"\n");
  auto source = [](const CommandResult& r) { return r.out.substr(0, r.out.find('\n')); };
  auto given = orch({"--config", (dir_ / "etc" / "given.toml").string(), "check-config"},
                    {{"ORCHESTRATOR_CONFIG", (dir_ / "etc" / "from_env.toml").string()}});
  EXPECT_EQ(source(given), "# source: " + (dir_ / "etc" / "given.toml").string());
  auto from_env = orch({"check-config"}, {{"ORCHESTRATOR_CONFIG", "etc/from_env.toml"}});
  EXPECT_EQ(source(from_env), "# source: " + (dir_ / "etc" / "from_env.toml").string());
  auto here = orch({"check-config"});
  EXPECT_EQ(source(here), "# source: " + (dir_ / "orchestrator.toml").string());
}

TEST_F(E2eTest, ErrorLinesNameTheConfigAndTheDatabase) {
  write_file(dir_ / "orchestrator.toml", "");
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);
  auto result = orch({"run", "--team", "9"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "error: team 9 does not exist (see `orchestrator teams list`) (config: " +
                            (dir_ / "orchestrator.toml").string() +
                            ", database: sqlite:" + (dir_ / "orchestrator.db").string() + ")\n");
}

// Under systemd, stderr is the journal's stream and JOURNAL_STREAM names it: entries go to
// journald as native fields (RUN_ID=, TEAM=, PRIORITY=) when it listens on this machine, else as
// lines without a timestamp and with a priority, so `journalctl -p err` lists the failed run.
TEST_F(E2eTest, JournalStreamGetsPriorityPrefixedLines) {
  fs::path log = dir_ / "journal.log";
  write_file(log, "");
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  std::string stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  CommandOptions options;
  options.working_dir = dir_.path();
  options.env = env_;
  options.env["JOURNAL_STREAM"] = stream;
  options.env["PIPELINE_COMMAND"] = "/bin/false";
  BackgroundProcess run({ORCH_BINARY, "run", "--general"}, options, log);
  EXPECT_EQ(run.wait(std::chrono::seconds(30)), 1) << run.output();
  if (fs::exists(log::kJournalSocket)) {
    // This machine's journald took the entries: read the failed run back from the journal.
    const std::string run_id = runs_json()[0]["run_id"];
    EXPECT_TRUE(wait_until(
        [&] {
          auto found = run_command({"journalctl", "--no-pager", "-o", "cat", "-p", "err",
                                    "RUN_ID=" + run_id, "EVENT=run_failed", "TEAM=general"});
          return found.out.find("error run_failed run_id=" + run_id) != std::string::npos;
        },
        std::chrono::seconds(10)));
    EXPECT_EQ(lines_containing(run.output(), "run_failed").size(), 0u) << run.output();
  } else {
    auto failed = lines_containing(run.output(), "run_failed");
    ASSERT_EQ(failed.size(), 1u) << run.output();
    EXPECT_TRUE(failed[0].starts_with("<3>error run_failed run_id=run_")) << failed[0];
    auto started = lines_containing(run.output(), "run_started");
    ASSERT_EQ(started.size(), 1u) << run.output();
    EXPECT_TRUE(started[0].starts_with("<6>info run_started ")) << started[0];
  }

  // The variable alone, inherited by a process whose stderr goes elsewhere, changes nothing.
  options.env["JOURNAL_STREAM"] = "1:1";
  BackgroundProcess plain({ORCH_BINARY, "run", "--general"}, options, dir_ / "plain.log");
  EXPECT_EQ(plain.wait(std::chrono::seconds(30)), 1) << plain.output();
  auto text = lines_containing(plain.output(), "run_failed");
  ASSERT_EQ(text.size(), 1u) << plain.output();
  EXPECT_TRUE(text[0].starts_with("20")) << text[0];  // a timestamp: 2026-...
  EXPECT_NE(text[0].find("Z error run_failed "), std::string::npos) << text[0];
}

TEST_F(E2eTest, LogFormatJournalCanBeChosen) {
  auto result =
      orch({"run", "--general"}, {{"PIPELINE_COMMAND", "/bin/false"}, {"LOG_FORMAT", "journal"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(lines_containing(result.err, "<3>error run_failed ").size(), 1u) << result.err;
}

class CheckConfigTest : public E2eTest {
 protected:
  // The problem lines of check-config, and its exit code.
  std::pair<int, std::vector<std::string>> problems(const std::map<std::string, std::string>& env,
                                                    const std::string& binary = ORCH_BINARY) {
    CommandOptions options;
    options.working_dir = dir_.path();
    options.env = env_;
    for (const auto& [k, v] : env) {
      options.env[k] = v;
    }
    auto result = run_command({binary, "check-config"}, options);
    return {result.exit_code, lines_containing(result.err, "error: check-config: ")};
  }
};

TEST_F(CheckConfigTest, PassesAGoodInstallationAndNamesTheSchemaVersion) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);
  auto result = orch({"check-config"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(
      lines_containing(result.out, "# database: sqlite:" + (dir_ / "orchestrator.db").string() +
                                       " answers, schema version ")
          .size(),
      1u)
      << result.out;
  // Before the first start: the file does not exist yet, which serve mends.
  fs::remove(dir_ / "orchestrator.db");
  auto fresh = orch({"check-config"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_NE(fresh.out.find("does not exist yet"), std::string::npos) << fresh.out;
}

TEST_F(CheckConfigTest, ReportsAPipelineCommandThatIsMissingOrNotExecutable) {
  auto [code, lines] = problems({{"PIPELINE_COMMAND", (dir_ / "missing").string()}});
  EXPECT_EQ(code, 2);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "error: check-config: pipeline.command: pipeline command \"" +
                          (dir_ / "missing").string() + "\" does not exist");
  write_file(dir_ / "script.sh", "#!/bin/sh\n");  // 0644: not executable
  auto [code2, lines2] = problems({{"PIPELINE_COMMAND", (dir_ / "script.sh").string()}});
  EXPECT_EQ(code2, 2);
  ASSERT_EQ(lines2.size(), 1u);
  EXPECT_NE(lines2[0].find("is not executable"), std::string::npos) << lines2[0];
}

TEST_F(CheckConfigTest, ReportsFoldersThatCannotBeMade) {
  write_file(dir_ / "a_file", "");
  auto [code, lines] = problems({{"INPUT_DIR", (dir_ / "a_file" / "inputs").string()},
                                 {"OUTPUT_DIR", (dir_ / "a_file").string()}});
  EXPECT_EQ(code, 2);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "error: check-config: paths.input_dir " +
                          (dir_ / "a_file" / "inputs").string() +
                          " does not exist and cannot be made: " + (dir_ / "a_file").string() +
                          " is not a writable folder");
  EXPECT_EQ(lines[1], "error: check-config: paths.output_dir " + (dir_ / "a_file").string() +
                          " is not a folder");
}

TEST_F(CheckConfigTest, ReportsADatabaseThatDoesNotAnswer) {
  auto [code, lines] = problems({{"DATABASE_URL", "postgresql://orch@127.0.0.1:1/orch"}});
  EXPECT_EQ(code, 2);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with(
      "error: check-config: database postgresql://orch@127.0.0.1:1/orch: cannot open"))
      << lines[0];
}

// A binary installed without its plugin (copied alone): email on must be a problem, not a
// silent failure of the first mail.
TEST_F(CheckConfigTest, ReportsAMissingPluginWhenEmailIsOn) {
  fs::create_directories(dir_ / "bin");
  fs::copy_file(ORCH_BINARY, dir_ / "bin" / "orchestrator");
  auto [code, lines] = problems({{"NOTIFY_CHANNELS", "log,email"},
                                 {"SMTP_HOST", "127.0.0.1"},
                                 {"SMTP_FROM", "orchestrator@example.com"},
                                 {"PIPELINE_COMMAND", "/bin/true"},
                                 {"PIPELINE_ISOLATION", "none"}},
                                (dir_ / "bin" / "orchestrator").string());
  EXPECT_EQ(code, 2);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(
      lines[0].starts_with("error: check-config: notify.channels turns on email: the "
                           "email and Slack plugin "))
      << lines[0];
}

class PruneTest : public BackendE2eTest {
 protected:
  // One ended run and one sent delivery from 2020, one running run and one pending delivery
  // from 2020, and one run and one delivery from now.
  void insert_history() {
    ASSERT_EQ(orch({"migrate"}).exit_code, 0);
    for (const std::string& statement :
         {std::string("INSERT INTO pipeline_runs (run_id, team_key, status, triggered_by, "
                      "run_date, created_at) VALUES ('run_old', 0, 'completed', 'manual', "
                      "'2020-01-01', '2020-01-01T00:00:00.000Z'), ('run_old_running', 1, "
                      "'running', 'manual', '2020-01-01', '2020-01-01T00:00:00.000Z')"),
          std::string("INSERT INTO notifications (event, channel, target, status, "
                      "created_at, updated_at) VALUES ('run_failed', 'email', 'a@example.com',"
                      " 'sent', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z'), "
                      "('run_failed', 'email', 'a@example.com', 'pending', "
                      "'2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')")}) {
      auto r = sql(statement);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    auto run = orch({"run", "--general"}, {{"PIPELINE_COMMAND", "/bin/true"}});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  std::string left() {
    return sql("SELECT count(*) FROM pipeline_runs").out + sql("SELECT count(*) FROM "
                                                               "notifications")
                                                               .out;
  }
};

TEST_P(PruneTest, DeletesOldHistoryNowAndSaysHowMuch) {
  insert_history();
  auto dry = orch({"prune", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_TRUE(dry.out.starts_with("would delete 1 runs and 1 notifications older than 400 days"))
      << dry.out;
  EXPECT_EQ(left(), "3\n2\n");
  auto pruned = orch({"prune"});
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_TRUE(pruned.out.starts_with("deleted 1 runs and 1 notifications older than 400 days"))
      << pruned.out;
  EXPECT_EQ(left(), "2\n1\n");  // the running run, today's run, the pending delivery
  EXPECT_EQ(sql("SELECT run_id FROM pipeline_runs WHERE status = 'running'").out,
            "run_old_running\n");
}

TEST_P(PruneTest, ServePrunesAtStart) {
  insert_history();
  auto service = serve({{"HISTORY_KEEP_DAYS", "30"}});
  ASSERT_TRUE(wait_for_log(*service, "history_pruned")) << service->output();
  EXPECT_EQ(lines_containing(service->output(),
                             "history_pruned runs=1 notifications=1 "
                             "keep_days=30")
                .size(),
            1u)
      << service->output();
  EXPECT_EQ(left(), "2\n1\n");
}

INSTANTIATE_TEST_SUITE_P(Backends, PruneTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_param_name);

}  // namespace
}  // namespace orch::testing
