#include <signal.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// HEARTBEAT_TIMEOUT_SECONDS for the service tests: it beats every fifth of it.
constexpr int kHeartbeatTimeoutSeconds = 2;
constexpr milliseconds kBeat{kHeartbeatTimeoutSeconds * 1000 / 5};
// The fixture's SHUTDOWN_GRACE_SECONDS.
constexpr seconds kShutdownGrace{1};
// What a loaded machine may add to starting, stopping and polling.
constexpr seconds kSlack{4};

// Whether `pid` is a process that has not exited (a zombie waiting to be reaped has).
bool process_running(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  return close != std::string::npos && close + 2 < content.size() && content[close + 2] != 'Z';
}

class DatabaseGuardTest : public E2eTest {
 protected:
  std::filesystem::path db_file() const { return dir_ / "orchestrator.db"; }

  void remove_database() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(db_file().string() + suffix);
    }
  }

  // Waits for the service to stop after its database was lost just now: it must notice within a
  // beat, then stop as on SIGTERM (the shutdown grace at most).
  int wait_for_stop(BackgroundProcess& service) {
    return service.wait(kBeat + kShutdownGrace + kSlack);
  }
};

TEST_F(DatabaseGuardTest, ServeStopsWithExitCode4WhenItsDatabaseFileIsRemoved) {
  add_team(1, "North");
  auto pid_file = dir_ / "pipeline.pid";
  // The pipeline leaves its pid outside its run folder, where a sandboxed one cannot write.
  auto service =
      serve({{"HEARTBEAT_TIMEOUT_SECONDS", std::to_string(kHeartbeatTimeoutSeconds)},
             {"DAILY_RUN_TIME", utc_time_in(2)},
             {"PIPELINE_ISOLATION", "none"},
             {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "echo $$ > )" + pid_file.string() +
                                      R"(.tmp && mv )" + pid_file.string() + R"(.tmp )" +
                                      pid_file.string() + R"( && exec sleep 60"])"}});
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(pid_file); }, seconds(20)))
      << service->output();
  int pipeline = std::stoi(read_file(pid_file));
  ASSERT_TRUE(process_running(pipeline));

  remove_database();
  EXPECT_EQ(wait_for_stop(*service), 4) << service->output();

  auto lost = lines_containing(service->output(), "database_lost");
  ASSERT_EQ(lost.size(), 1u) << service->output();
  EXPECT_NE(lost[0].find(" error "), std::string::npos) << lost[0];
  EXPECT_NE(lost[0].find(db_file().string()), std::string::npos) << lost[0];
  EXPECT_NE(lost[0].find("removed"), std::string::npos) << lost[0];
  // The run in progress was stopped as on SIGTERM, its pipeline with it.
  EXPECT_EQ(lines_containing(service->output(), " info stopping ").size(), 1u) << service->output();
  EXPECT_NE(service->output().find("runs_in_progress=1"), std::string::npos) << service->output();
  EXPECT_TRUE(wait_until([&] { return !process_running(pipeline); }, seconds(5)));
  // Nothing made a new, empty database at the path.
  EXPECT_FALSE(std::filesystem::exists(db_file()));
}

TEST_F(DatabaseGuardTest, ServeStopsWithExitCode4WhenAnotherFileIsMovedOverItsDatabase) {
  add_team(1, "North");
  // Another database, made elsewhere by the same binary, holding team 9 only.
  auto other = dir_ / "elsewhere" / "orchestrator.db";
  auto made = orch({"teams", "add", "--id", "9", "--name", "Other"},
                   {{"DATABASE_URL", "sqlite:" + other.string()}});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto service = serve({{"HEARTBEAT_TIMEOUT_SECONDS", std::to_string(kHeartbeatTimeoutSeconds)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();

  std::filesystem::rename(other, db_file());
  EXPECT_EQ(wait_for_stop(*service), 4) << service->output();
  auto lost = lines_containing(service->output(), "database_lost");
  ASSERT_EQ(lost.size(), 1u) << service->output();
  EXPECT_NE(lost[0].find(db_file().string()), std::string::npos) << lost[0];
  EXPECT_NE(lost[0].find("replaced"), std::string::npos) << lost[0];

  // The file now at the path is the one moved there, whole: the stopped service wrote nothing
  // into it, and left no journal of the old file for it to pick up.
  auto check = sqlite("PRAGMA integrity_check");
  EXPECT_EQ(check.out, "ok\n") << check.err;
  auto teams = orch({"teams", "list", "--format", "json"});
  ASSERT_EQ(teams.exit_code, 0) << teams.err;
  auto list = nlohmann::json::parse(teams.out);
  ASSERT_EQ(list.size(), 1u) << teams.out;
  EXPECT_EQ(list[0]["id"], 9);
}

TEST_F(DatabaseGuardTest, AServiceWhoseDatabaseStaysInPlaceKeepsRunning) {
  add_team(1, "North");
  auto service = serve({{"HEARTBEAT_TIMEOUT_SECONDS", std::to_string(kHeartbeatTimeoutSeconds)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  // Several beats, with commands reading and writing the database meanwhile.
  auto until = std::chrono::steady_clock::now() + 5 * kBeat;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(orch({"teams", "pause", "1"}).exit_code, 0);
    ASSERT_EQ(orch({"teams", "resume", "1"}).exit_code, 0);
  }
  EXPECT_TRUE(service->running());
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
  EXPECT_TRUE(lines_containing(service->output(), "database_lost").empty()) << service->output();
}

TEST_F(DatabaseGuardTest, ARunWhoseDatabaseFileIsRemovedMeanwhileExitsFour) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);
  // The pipeline itself removes the database while the run is in progress (without the sandbox,
  // which would refuse it).
  auto result =
      orch({"run", "--general"},
           {{"PIPELINE_ISOLATION", "none"},
            {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "rm -f )" + db_file().string() + R"(*"])"}});
  EXPECT_EQ(result.exit_code, 4) << result.out << result.err;
  EXPECT_NE(result.out.find("status: completed"), std::string::npos) << result.out;
  // The last line, after the run's log lines.
  EXPECT_TRUE(result.err.ends_with("\nerror: the database file " + db_file().string() +
                                   " was removed while in use: nothing is at that path now: the "
                                   "run was recorded in the lost file" +
                                   in_use() + "\n"))
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(db_file()));
}

// Every command that only reads (or changes what is already there) on a missing database: exit
// 4 with one line naming the path and `orchestrator migrate`, and neither the file nor its
// folder appears.
TEST_F(DatabaseGuardTest, CommandsThatMayNotCreateADatabaseRefuseAMissingOne) {
  auto folder = dir_ / "missing";
  auto file = folder / "orchestrator.db";
  std::map<std::string, std::string> env{{"DATABASE_URL", "sqlite:" + file.string()},
                                         {"SLACK_WEBHOOK_URL", "http://127.0.0.1:9/hook"}};
  const std::vector<std::vector<std::string>> commands = {
      {"runs"},
      {"runs", "--format", "json"},
      {"teams", "list"},
      {"plan"},
      {"status"},
      {"status", "--format", "json"},
      {"reschedule", "--timeout", "1"},
      {"teams", "update", "1", "--name", "West"},
      {"teams", "deactivate", "1"},
      {"teams", "activate", "1"},
      {"teams", "pause", "1"},
      {"teams", "resume", "1"},
      {"notify", "test", "--channel", "slack"},
  };
  const std::string expected = "error: database not found: " + file.string() +
                               " (create it with orchestrator migrate)" + in_use(env) + "\n";
  for (bool folder_exists : {false, true}) {
    if (folder_exists) {
      std::filesystem::create_directories(folder);
    }
    for (const auto& command : commands) {
      std::string line;
      for (const auto& word : command) {
        line += word + " ";
      }
      SCOPED_TRACE(line + (folder_exists ? "(the folder exists)" : "(no folder)"));
      auto result = orch(command, env);
      EXPECT_EQ(result.exit_code, 4);
      EXPECT_EQ(result.err, expected);
      EXPECT_EQ(result.out, "");
      EXPECT_EQ(std::filesystem::exists(folder), folder_exists);
      EXPECT_FALSE(std::filesystem::exists(file));
    }
  }
  // `plan --cron` needs no database at all.
  auto cron = orch({"plan", "--cron", "0 2 * * *", "--count", "1"}, env);
  EXPECT_EQ(cron.exit_code, 0) << cron.err;
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(DatabaseGuardTest, CommandsThatMayCreateADatabaseStillDo) {
  const std::string today =
      date::format("%F", date::floor<date::days>(std::chrono::system_clock::now()));
  const std::vector<std::vector<std::string>> commands = {
      {"migrate"},
      {"teams", "add", "--name", "North"},
      {"run", "--general"},
      {"backfill", "--general", "--from", today, "--to", today},
  };
  int n = 0;
  for (const auto& command : commands) {
    SCOPED_TRACE(command[0]);
    auto file = dir_ / ("new-" + std::to_string(++n)) / "deeper" / "orchestrator.db";
    auto result = orch(command, {{"DATABASE_URL", "sqlite:" + file.string()},
                                 {"PIPELINE_COMMAND", R"(["/bin/true"])"}});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(std::filesystem::exists(file));
    EXPECT_EQ(orch({"runs"}, {{"DATABASE_URL", "sqlite:" + file.string()}}).exit_code, 0);
  }

  auto file = dir_ / "new-serve" / "deeper" / "orchestrator.db";
  auto service = serve({{"DATABASE_URL", "sqlite:" + file.string()}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  EXPECT_TRUE(std::filesystem::exists(file));
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
}

}  // namespace
}  // namespace orch::testing
