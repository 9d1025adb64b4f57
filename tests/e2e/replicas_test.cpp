// Several `serve` replicas on one PostgreSQL database: the guarantees must come from the
// database, whichever replica wins a race.
#include <signal.h>

#include <regex>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/test_database.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// Rows of `sql` as printed by psql (one line each, '|' between values).
std::vector<std::string> rows(const CommandResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> out;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

class ReplicasTest : public E2eTest {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    env_["DATABASE_URL"] = database_.url();
  }

  std::vector<std::string> sql(const std::string& query) { return rows(database_.query(query)); }
  std::string one(const std::string& query) {
    auto r = sql(query);
    return r.empty() ? "" : r.front();
  }

  // Slots recorded more than once for the same attempt, or completed more than once.
  std::string duplicates() {
    return one(
        "SELECT COUNT(*) FROM (SELECT team_key, slot_key FROM pipeline_runs "
        "WHERE status = 'completed' GROUP BY team_key, slot_key HAVING COUNT(*) > 1) d");
  }

  void add_teams(int count) {
    for (int team = 1; team <= count; ++team) {
      add_team(team, "Team " + std::to_string(team));
      write_tape(team_inputs(team), team % 5 + 1, team % 3, today_utc_compact());
    }
  }

  // For take-over tests: the slot 3 s ahead, a 2 s heartbeat timeout, pipelines of 4 s.
  static std::map<std::string, std::string> takeover_env() {
    return {{"DAILY_RUN_TIME", utc_time_in(3)},
            {"HEARTBEAT_TIMEOUT_SECONDS", "2"},
            {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "sleep 4"])"}};
  }

  bool wait_for_running(int runs) {
    return wait_until(
        [&] {
          return one("SELECT COUNT(*) FROM pipeline_runs WHERE status = 'running'") ==
                 std::to_string(runs);
        },
        seconds(20));
  }

  TestDatabase database_{Backend::kPostgres, dir_.path()};
};

TEST_F(ReplicasTest, ThreeReplicasRunEverySlotOfFiftyTeamsAndTheGeneralRunOnce) {
  add_teams(50);
  // The slot comes once the three replicas have started, all at once on a busy machine: the lead
  // is a wait for something that should happen, stretched as the deadlines are for sanitized
  // binaries, which start several times slower.
  const auto lead = std::chrono::duration_cast<seconds>(scaled(seconds(6)));
  std::map<std::string, std::string> env{
      {"DAILY_RUN_TIME", utc_time_in(static_cast<int>(lead.count()))},
      {"GENERAL_RUN_ENABLED", "true"}};
  std::vector<std::unique_ptr<BackgroundProcess>> replicas;
  for (int i = 0; i < 3; ++i) {
    replicas.push_back(serve(env));
  }
  for (auto& replica : replicas) {
    ASSERT_TRUE(wait_for_log(*replica, "ready")) << replica->output();
    // One that loaded its schedule after the slot would rightly catch the slot up: what follows
    // holds only for replicas that were running at the slot, so a start-up slower than the
    // lead is said as such.
    ASSERT_NE(replica->output().find("why=start schedules=51 due_now=0"), std::string::npos)
        << "a replica loaded its schedule after the slot, " << lead.count()
        << " s after the test started it\n"
        << replica->output();
  }
  auto status = orch({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("3 live services"), std::string::npos) << status.out;

  ASSERT_TRUE(wait_until(
      [&] { return one("SELECT COUNT(*) FROM pipeline_runs WHERE status <> 'running'") == "51"; },
      seconds(60)))
      << one("SELECT COUNT(*) FROM pipeline_runs") << replicas[0]->output();
  // Nothing more comes: every replica saw the slot recorded.
  std::this_thread::sleep_for(seconds(2));
  EXPECT_EQ(sql("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status"),
            (std::vector<std::string>{"completed|51"}));
  EXPECT_EQ(one("SELECT COUNT(DISTINCT team_key) FROM pipeline_runs"), "51");
  EXPECT_EQ(duplicates(), "0");
  EXPECT_EQ(one("SELECT COUNT(*) FROM pipeline_runs WHERE triggered_by <> 'schedule' OR "
                "attempt <> 1"),
            "0");
  auto team_7 = runs_json({"--team", "7"});
  ASSERT_EQ(team_7.size(), 1u);
  EXPECT_EQ(team_7[0]["total_loans"], 7 % 5 + 1 + 7 % 3);
  EXPECT_EQ(team_7[0]["exceptions_count"], 7 % 3);

  for (auto& replica : replicas) {
    replica->send_signal(SIGTERM);
  }
  for (auto& replica : replicas) {
    EXPECT_EQ(replica->wait(seconds(15)), 0) << replica->output();
  }
  auto after = orch({"status"});
  EXPECT_NE(after.out.find("0 live services"), std::string::npos) << after.out;
}

TEST_F(ReplicasTest, RunsOfAKilledReplicaAreAbandonedAndRunAgainByAnother) {
  add_teams(4);
  auto env = takeover_env();
  // The first replica takes every run of the slot...
  auto doomed = serve(env);
  ASSERT_TRUE(wait_for_running(4)) << doomed->output();
  // ...then two more start, and the first dies without a word.
  auto second = serve(env);
  auto third = serve(env);
  ASSERT_TRUE(wait_for_log(*second, "ready"));
  ASSERT_TRUE(wait_for_log(*third, "ready"));
  auto killed_at = std::chrono::steady_clock::now();
  doomed->send_signal(SIGKILL);
  doomed->wait(seconds(5));

  ASSERT_TRUE(wait_until(
      [&] { return one("SELECT COUNT(*) FROM pipeline_runs WHERE status = 'completed'") == "4"; },
      seconds(30)))
      << sql("SELECT sales_team_id, status, attempt, instance FROM pipeline_runs").size()
      << second->output() << third->output();
  // Noticed within the heartbeat timeout (and a beat), not after the 4 s pipelines.
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, seconds(15));

  for (int team = 1; team <= 4; ++team) {
    SCOPED_TRACE("team " + std::to_string(team));
    auto history =
        sql("SELECT status, attempt, triggered_by FROM pipeline_runs WHERE "
            "sales_team_id = " +
            std::to_string(team) + " ORDER BY attempt");
    EXPECT_EQ(history, (std::vector<std::string>{"abandoned|1|schedule", "completed|2|retry"}));
  }
  EXPECT_EQ(duplicates(), "0");
  EXPECT_EQ(one("SELECT COUNT(DISTINCT instance) FROM pipeline_runs WHERE attempt = 2 AND "
                "instance = (SELECT instance FROM pipeline_runs WHERE attempt = 1 LIMIT 1)"),
            "0");

  // The killed replica comes back: it does not run a slot another already ran.
  auto back = serve(env);
  ASSERT_TRUE(wait_for_log(*back, "ready")) << back->output();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(one("SELECT COUNT(*) FROM pipeline_runs"), "8");
  for (auto* replica : {second.get(), third.get(), back.get()}) {
    replica->send_signal(SIGTERM);
    EXPECT_EQ(replica->wait(seconds(15)), 0) << replica->output();
  }
}

TEST_F(ReplicasTest, RescheduleWaitsForEveryLiveReplicaAndNamesOneThatDoesNotAnswer) {
  add_teams(1);
  auto first = serve();
  auto second = serve();
  ASSERT_TRUE(wait_for_log(*first, "ready"));
  ASSERT_TRUE(wait_for_log(*second, "ready"));
  add_team(2, "West", {"--run-time", "05:30", "--timezone", "Asia/Kolkata"});
  auto applied = orch({"reschedule"});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("applied by 2 live services"), std::string::npos) << applied.out;
  EXPECT_NE(applied.out.find("Asia/Kolkata"), std::string::npos) << applied.out;
  for (auto* replica : {first.get(), second.get()}) {
    EXPECT_NE(replica->output().find("why=reschedule schedules=2"), std::string::npos)
        << replica->output();
  }

  // One replica hangs: the command waits for it, then names it.
  second->send_signal(SIGSTOP);
  auto stuck = orch({"reschedule", "--timeout", "2"});
  EXPECT_EQ(stuck.exit_code, 5) << stuck.out << stuck.err;
  EXPECT_NE(stuck.err.find(":" + std::to_string(second->pid())), std::string::npos) << stuck.err;
  EXPECT_EQ(stuck.err.find(":" + std::to_string(first->pid())), std::string::npos) << stuck.err;
  second->send_signal(SIGCONT);
  for (auto* replica : {first.get(), second.get()}) {
    replica->send_signal(SIGTERM);
    EXPECT_EQ(replica->wait(seconds(15)), 0) << replica->output();
  }
}

// A replica that hangs (a frozen VM, a partition) still has its process: only its silence shows.
TEST_F(ReplicasTest, RunsOfAFrozenReplicaAreTakenOverThroughItsHeartbeat) {
  add_teams(2);
  auto env = takeover_env();
  auto frozen = serve(env);
  ASSERT_TRUE(wait_for_running(2)) << frozen->output();
  auto other = serve(env);
  ASSERT_TRUE(wait_for_log(*other, "ready"));
  frozen->send_signal(SIGSTOP);

  ASSERT_TRUE(wait_until(
      [&] { return one("SELECT COUNT(*) FROM pipeline_runs WHERE status = 'completed'") == "2"; },
      seconds(30)))
      << other->output();
  EXPECT_NE(other->output().find("run_abandoned"), std::string::npos) << other->output();

  // It wakes up after its pipelines ended: their late ends do not overwrite what the others
  // decided, and it runs nothing again.
  frozen->send_signal(SIGCONT);
  std::this_thread::sleep_for(seconds(3));
  EXPECT_EQ(sql("SELECT status, attempt, triggered_by, COUNT(*) FROM pipeline_runs "
                "GROUP BY status, attempt, triggered_by ORDER BY attempt"),
            (std::vector<std::string>{"abandoned|1|schedule|2", "completed|2|retry|2"}));
  EXPECT_EQ(duplicates(), "0");
  for (auto* replica : {frozen.get(), other.get()}) {
    replica->send_signal(SIGTERM);
    EXPECT_EQ(replica->wait(seconds(15)), 0) << replica->output();
  }
}

// A PostgreSQL server of the test's own, so that stopping it disturbs no other test.
class OwnPostgres {
 public:
  OwnPostgres() {
    auto started =
        run_command({std::string(ORCH_SOURCE_DIR) + "/scripts/pg_throwaway.sh", "start"});
    std::smatch m;
    if (started.exit_code == 0 &&
        std::regex_search(started.out, m, std::regex("PG_THROWAWAY_DIR='([^']+)'"))) {
      dir_ = m[1];
    }
    if (std::regex_search(started.out, m, std::regex("PGPORT=([0-9]+)"))) {
      port_ = m[1];
    }
  }
  ~OwnPostgres() {
    if (!dir_.empty()) {
      script("stop");
    }
  }
  bool started() const { return !dir_.empty() && !port_.empty(); }
  // With a password (the server trusts loopback and ignores it), to show it never leaks.
  std::string url() const {
    return "postgresql://postgres:hunter2-secret@127.0.0.1:" + port_ + "/postgres";
  }
  CommandResult halt() { return script("halt"); }
  CommandResult resume() { return script("resume"); }
  CommandResult query(const std::string& sql) const {
    return run_command({"psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", port_, "-U",
                        "postgres", "-d", "postgres", "-c", sql});
  }

 private:
  CommandResult script(const std::string& what) const {
    return run_command({std::string(ORCH_SOURCE_DIR) + "/scripts/pg_throwaway.sh", what, dir_});
  }
  std::string dir_;
  std::string port_;
};

TEST_F(ReplicasTest, ADatabaseRestartDuringAStormOfRunsLosesNoRun) {
  OwnPostgres pg;
  ASSERT_TRUE(pg.started());
  env_["DATABASE_URL"] = pg.url();
  add_teams(12);
  auto count = [&](const std::string& where) {
    auto r = rows(pg.query("SELECT COUNT(*) FROM pipeline_runs WHERE " + where));
    return r.empty() ? -1 : std::stoi(r.front());
  };
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"MAX_PARALLEL_RUNS", "3"},
                        {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "sleep 1"])"}});
  ASSERT_TRUE(wait_until([&] { return count("status = 'running'") == 3; }, seconds(20)))
      << service->output();

  // The server goes away while runs are in progress and slots wait for a worker.
  ASSERT_EQ(pg.halt().exit_code, 0);
  std::this_thread::sleep_for(seconds(3));
  EXPECT_TRUE(service->running());
  ASSERT_EQ(pg.resume().exit_code, 0);

  ASSERT_TRUE(wait_until([&] { return count("status = 'completed'") == 12; }, seconds(60)))
      << service->output();
  EXPECT_EQ(count("TRUE"), 12);
  EXPECT_EQ(count("status = 'running'"), 0);
  EXPECT_TRUE(service->running());
  std::string log = service->output();
  auto occurrences = [&log](const std::string& text) {
    int n = 0;
    for (auto pos = log.find(text); pos != std::string::npos; pos = log.find(text, pos + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(occurrences("database_unavailable"), 1) << log;
  EXPECT_EQ(occurrences("database_available "), 1) << log;

  // A command meanwhile: one line, exit 4.
  ASSERT_EQ(pg.halt().exit_code, 0);
  auto down = orch({"runs"});
  EXPECT_EQ(down.exit_code, 4);
  EXPECT_EQ(std::count(down.err.begin(), down.err.end(), '\n'), 1) << down.err;
  EXPECT_NE(down.err.find("cannot open the database"), std::string::npos) << down.err;
  EXPECT_EQ(down.err.find("hunter2"), std::string::npos) << down.err;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  ASSERT_EQ(pg.resume().exit_code, 0);

  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
}

// A replica that cannot renew its heartbeat fences itself off: it kills its own pipelines within
// half the heartbeat timeout, before another replica could take its runs for dead, so two
// attempts of a slot never run at once across hosts. When the database is back the stopped
// attempt is recorded `interrupted` and the slot runs again.
TEST_F(ReplicasTest, AReplicaCutOffFromTheDatabaseStopsItsPipelinesBeforeOthersCouldTakeOver) {
  OwnPostgres pg;
  ASSERT_TRUE(pg.started());
  env_["DATABASE_URL"] = pg.url();
  add_teams(1);
  const std::string pid_file = (dir_ / "pipeline.pid").string();
  const std::string once = (dir_ / "first_attempt").string();
  // The marks of the attempts live outside every run folder, where a sandboxed pipeline cannot
  // write.
  auto service = serve(
      {{"DAILY_RUN_TIME", utc_time_in(3)},
       {"HEARTBEAT_TIMEOUT_SECONDS", "4"},
       {"PIPELINE_ISOLATION", "none"},
       {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "[ -e )" + once + R"( ] && exit 0; touch )" +
                                once + R"(; echo $$ > )" + pid_file + R"(; exec sleep 60"])"}});
  pid_t pipeline = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        std::string text = read_file(pid_file);
        pipeline = text.empty() || text.back() != '\n' ? 0 : std::stoi(text);
        return pipeline > 0;
      },
      seconds(20)))
      << service->output();

  ASSERT_EQ(pg.halt().exit_code, 0);
  const auto halted = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return ::kill(pipeline, 0) != 0; }, seconds(10)))
      << service->output();
  // Half the timeout, plus a beat (0.8 s) to notice, plus reaping: well inside the 4 s after
  // which another replica would take the run over.
  EXPECT_LT(std::chrono::steady_clock::now() - halted, seconds(4)) << service->output();
  EXPECT_NE(service->output().find("runs_fenced"), std::string::npos) << service->output();
  EXPECT_TRUE(service->running());

  ASSERT_EQ(pg.resume().exit_code, 0);
  auto statuses = [&] {
    return rows(pg.query("SELECT status || '|' || attempt FROM pipeline_runs ORDER BY attempt"));
  };
  ASSERT_TRUE(wait_until(
      [&] {
        return statuses() == std::vector<std::string>{"interrupted|1", "completed|2"};
      },
      seconds(30)))
      << service->output();
  auto error = rows(pg.query("SELECT error FROM pipeline_runs WHERE attempt = 1"));
  ASSERT_EQ(error.size(), 1u);
  EXPECT_NE(error[0].find("could not renew its heartbeat"), std::string::npos) << error[0];
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
}

// Killed while the database is down, after its runs ended: the next start records their ends.
TEST_F(ReplicasTest, EndsKeptThroughAnOutageAreRecordedAtTheNextStart) {
  OwnPostgres pg;
  ASSERT_TRUE(pg.started());
  env_["DATABASE_URL"] = pg.url();
  add_teams(2);
  auto count = [&](const std::string& where) {
    auto r = rows(pg.query("SELECT COUNT(*) FROM pipeline_runs WHERE " + where));
    return r.empty() ? -1 : std::stoi(r.front());
  };
  std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(3)},
                                         {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "sleep 2"])"}};
  auto service = serve(env);
  ASSERT_TRUE(wait_until([&] { return count("status = 'running'") == 2; }, seconds(20)))
      << service->output();
  ASSERT_EQ(pg.halt().exit_code, 0);
  ASSERT_TRUE(wait_until(
      [&] {
        std::string log = service->output();
        auto first = log.find("run_end_deferred");
        return first != std::string::npos &&
               log.find("run_end_deferred", first + 1) != std::string::npos;
      },
      seconds(20)))
      << service->output();
  service->send_signal(SIGKILL);
  service->wait(seconds(5));
  ASSERT_EQ(pg.resume().exit_code, 0);
  EXPECT_EQ(count("status = 'running'"), 2);

  auto next = serve(env);
  ASSERT_TRUE(wait_for_log(*next, "ready")) << next->output();
  EXPECT_EQ(count("status = 'completed' AND attempt = 1"), 2) << next->output();
  EXPECT_EQ(count("TRUE"), 2);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "outputs" / ".pending_run_ends"));
  next->send_signal(SIGTERM);
  EXPECT_EQ(next->wait(seconds(15)), 0) << next->output();
}

}  // namespace
}  // namespace orch::testing
