// Run now and cancel through the services (`trigger`, `cancel`, POST /api/v1/teams/{id}/runs,
// POST /api/v1/runs/{run_id}/cancel), `runs show` and `logs`: against real `serve` processes,
// real pipelines and their process groups, on both databases, and with two replicas.

#include <dirent.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/http_client.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
constexpr const char* kReadToken = "read-token-0123456789abcdef";
// A pipeline that runs until it is stopped, with a child in its process group.
constexpr const char* kSleeper = R"(["/bin/sh", "-c", "sleep 120 & sleep 120; wait"])";

int api_port(BackgroundProcess& service) {
  std::smatch m;
  std::string out = service.output();
  static const std::regex kLine("api_listening address=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(out, m, kLine) ? std::stoi(m[1]) : 0;
}

// How many processes carry RUN_ID=`run_id` in their environment: a pipeline and whatever it
// started, in its process group or not.
int processes_of(const std::string& run_id) {
  const std::string marker = "RUN_ID=" + run_id;
  int count = 0;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) {
    return -1;
  }
  while (dirent* entry = readdir(proc)) {
    std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream in("/proc/" + name + "/environ", std::ios::binary);
    std::string env{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::string::size_type at = 0;
    while ((at = env.find(marker, at)) != std::string::npos) {
      const bool starts = at == 0 || env[at - 1] == '\0';
      const bool ends = at + marker.size() == env.size() || env[at + marker.size()] == '\0';
      if (starts && ends) {
        ++count;
        break;
      }
      at += marker.size();
    }
  }
  closedir(proc);
  return count;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

class RunControlTest : public BackendE2eTest {
 protected:
  // A service with an admin and a read token, and no slot of the daily schedule in the test's
  // time unless `env` moves it.
  std::unique_ptr<BackgroundProcess> serve_control(std::map<std::string, std::string> env = {}) {
    write_file(dir_ / "orchestrator.toml",
               std::string("[api]\ntokens = [{ name = \"viewer\", token = \"") + kReadToken +
                   "\", role = \"read\" }]\n");
    env.emplace("API_TOKEN", kAdminToken);
    env.emplace("DAILY_RUN_TIME", utc_time_in(-3600));
    auto service = serve(env);
    EXPECT_TRUE(wait_for_log(*service, "ready")) << service->output();
    port_ = api_port(*service);
    return service;
  }

  HttpReply post(const std::string& target, const std::string& token, const std::string& body = "",
                 const std::string& idempotency_key = "") {
    std::string raw = "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!idempotency_key.empty()) {
      raw += "Idempotency-Key: " + idempotency_key + "\r\n";
    }
    return http_exchange(port_, raw + "Connection: close\r\n\r\n" + body);
  }

  // The run as `runs show --format json` prints it; null when the command fails.
  nlohmann::json show(const std::string& run_id) {
    auto r = orch({"runs", "show", run_id, "--format", "json"});
    if (r.exit_code != 0) {
      return nullptr;
    }
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  std::string status_of(const std::string& run_id) {
    auto run = show(run_id);
    return run.is_object() ? run["status"].get<std::string>() : "";
  }

  bool wait_for_status(const std::string& run_id, const std::string& status,
                       seconds timeout = seconds(20)) {
    return wait_until([&] { return status_of(run_id) == status; }, timeout);
  }

  int port_ = 0;
};

TEST_P(RunControlTest, TriggerRunsTheTeamInsideTheServiceAndPrintsItsRunId) {
  add_team(1, "North");
  write_tape(team_inputs(1), 3, 1, today_utc_compact());
  auto service = serve_control();

  auto triggered = orch({"trigger", "--team", "1"});
  ASSERT_EQ(triggered.exit_code, 0) << triggered.err << service->output();
  const std::string run_id = trimmed(triggered.out);
  ASSERT_TRUE(std::regex_match(run_id, std::regex("run_[0-9a-f]{16}"))) << triggered.out;

  ASSERT_TRUE(wait_for_status(run_id, "completed")) << service->output();
  auto run = show(run_id);
  EXPECT_EQ(run["triggered_by"], "manual");
  // Who asked, in the audit log.
  auto audited = sql("SELECT actor, action, target FROM audit_log WHERE action = 'run.trigger'");
  EXPECT_EQ(audited.exit_code, 0) << audited.err;
  EXPECT_NE(audited.out.find("cli:"), std::string::npos) << audited.out;
  EXPECT_NE(audited.out.find("team:1"), std::string::npos) << audited.out;
  EXPECT_EQ(run["total_loans"], 4);
  EXPECT_EQ(run["exceptions_count"], 1);
  // Run by the service, not by the command: its instance is the service's process.
  EXPECT_NE(run["instance"].get<std::string>().find(":" + std::to_string(service->pid()) + ":"),
            std::string::npos)
      << run.dump();
  EXPECT_TRUE(run["notifications"].is_array());

  auto table = orch({"runs", "show", run_id});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("status: completed"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("triggered_by: manual"), std::string::npos) << table.out;
  auto log = orch({"logs", run_id});
  EXPECT_EQ(log.exit_code, 0) << log.err;
  EXPECT_FALSE(log.out.empty());
  auto last = orch({"logs", run_id, "--tail", "1"});
  EXPECT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(std::count(last.out.begin(), last.out.end(), '\n'), 1) << last.out;
  EXPECT_NE(log.out.find(last.out), std::string::npos);

  // Bad input: one line, exit 2.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"runs", "show", "run_0000000000000000"},
                                             {"logs", "nonsense"},
                                             {"logs", run_id, "--tail", "0"},
                                             {"cancel", "run_0000000000000000"},
                                             {"trigger", "--team", "1", "--general"},
                                             {"trigger", "--team", "99"},
                                             {"trigger", "--team", "1", "--pipeline", "nope"},
                                             {"trigger", "--team", "1", "--timeout", "0"}}) {
    SCOPED_TRACE(args[0] + " " + args[1]);
    auto bad = orch(args);
    EXPECT_EQ(bad.exit_code, 2) << bad.err;
    EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  }
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
}

TEST_P(RunControlTest, TriggerWithoutALiveServiceExitsFiveAndIsNeverRunLater) {
  add_team(1, "North");
  add_team(2, "South");
  auto began = std::chrono::steady_clock::now();
  auto unanswered = orch({"trigger", "--team", "1", "--timeout", "1"});
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(unanswered.exit_code, 5) << unanswered.err;
  EXPECT_NE(unanswered.err.find("no live service"), std::string::npos) << unanswered.err;
  EXPECT_LT(took, seconds(5));

  // A service started afterwards does not run what its requester gave up on.
  auto service = serve_control();
  auto triggered = orch({"trigger", "--team", "2"});
  ASSERT_EQ(triggered.exit_code, 0) << triggered.err;
  ASSERT_TRUE(wait_for_status(trimmed(triggered.out), "completed")) << service->output();
  EXPECT_EQ(runs_json({"--team", "1"}).size(), 0U);
}

TEST_P(RunControlTest, CancelStopsARunningPipelineWithItsProcessesAndItIsNotRetried) {
  add_team(1, "North");
  auto service = serve_control({{"DAILY_RUN_TIME", utc_time_in(2)},
                                {"PIPELINE_COMMAND", kSleeper},
                                {"PIPELINE_RETRY_MAX_ATTEMPTS", "3"},
                                {"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "1"}});
  std::string run_id;
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json({"--status", "running"});
        if (runs.size() == 1) {
          run_id = runs[0]["run_id"];
        }
        return !run_id.empty();
      },
      seconds(20)))
      << service->output();
  ASSERT_TRUE(wait_until([&] { return processes_of(run_id) >= 2; }, seconds(10)));

  // The team is busy: nothing else starts.
  auto busy = orch({"trigger", "--team", "1"});
  EXPECT_EQ(busy.exit_code, 3) << busy.err;
  EXPECT_NE(busy.err.find("already has a run in progress (" + run_id + ")"), std::string::npos)
      << busy.err;

  auto began = std::chrono::steady_clock::now();
  auto cancelled = orch({"cancel", run_id});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err << service->output();
  EXPECT_LT(std::chrono::steady_clock::now() - began, seconds(8));
  EXPECT_NE(cancelled.out.find("cancelled"), std::string::npos) << cancelled.out;
  auto run = show(run_id);
  EXPECT_EQ(run["status"], "cancelled");
  EXPECT_EQ(run["triggered_by"], "schedule");
  EXPECT_NE(run["error"].get<std::string>().find("cancelled by cli:"), std::string::npos)
      << run.dump();
  // The pipeline and its child are gone (zombies take a moment to be reaped here).
  EXPECT_TRUE(wait_until([&] { return processes_of(run_id) == 0; }, seconds(5)));
  // Not retried, though the slot has retries left: the end says so.
  EXPECT_TRUE(wait_for_log(*service, "a run that ends cancelled is not retried"))
      << service->output();
  EXPECT_EQ(service->output().find("run_retry_scheduled"), std::string::npos) << service->output();

  // Cancelled is an end: a second cancel says so, and the team is free to run again.
  auto again = orch({"cancel", run_id});
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_NE(again.err.find("has already ended: cancelled"), std::string::npos) << again.err;
  auto next = orch({"trigger", "--team", "1"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  ASSERT_TRUE(wait_for_status(trimmed(next.out), "running"));
  EXPECT_EQ(orch({"cancel", trimmed(next.out)}).exit_code, 0);
  EXPECT_EQ(runs_json({"--team", "1"}).size(), 2U);
  EXPECT_EQ(service->output().find("run_retry_scheduled"), std::string::npos) << service->output();
}

TEST_P(RunControlTest, ApiRunsNowOnceForAnIdempotencyKeyRefusesWhileTheTeamRunsAndCancels) {
  add_team(1, "North");
  auto service = serve_control({{"PIPELINE_COMMAND", kSleeper}});
  ASSERT_NE(port_, 0) << service->output();

  auto first = post("/api/v1/teams/1/runs", kAdminToken, "", "key-0001");
  ASSERT_EQ(first.status, 202) << first.body << service->output();
  auto body = nlohmann::json::parse(first.body);
  const std::string run_id = body["run_id"];
  EXPECT_EQ(body["status_url"], "/api/v1/runs/" + run_id);
  EXPECT_EQ(first.header("location"), "/api/v1/runs/" + run_id);
  ASSERT_TRUE(wait_for_status(run_id, "running"));

  // The same key again: the same run, nothing new started (not even a busy refusal).
  auto replay = post("/api/v1/teams/1/runs", kAdminToken, "", "key-0001");
  EXPECT_EQ(replay.status, 202) << replay.body;
  EXPECT_EQ(nlohmann::json::parse(replay.body)["run_id"], run_id);
  EXPECT_EQ(runs_json({"--team", "1"}).size(), 1U);

  // Another request while the team runs: 409, a problem naming the run.
  auto busy = post("/api/v1/teams/1/runs", kAdminToken, "{}");
  EXPECT_EQ(busy.status, 409) << busy.body;
  EXPECT_EQ(busy.header("content-type"), "application/problem+json");
  EXPECT_NE(busy.body.find(run_id), std::string::npos) << busy.body;

  // A read token may not act; bad input and unknown owners are refused.
  EXPECT_EQ(post("/api/v1/teams/1/runs", kReadToken).status, 403);
  EXPECT_EQ(post("/api/v1/runs/" + run_id + "/cancel", kReadToken).status, 403);
  EXPECT_EQ(post("/api/v1/teams/1/runs", kAdminToken, "[1]").status, 400);
  EXPECT_EQ(post("/api/v1/teams/1/runs", kAdminToken, R"({"purchase_date": "2026-13-01"})").status,
            400);
  EXPECT_EQ(post("/api/v1/teams/1/runs", kAdminToken, R"({"pipeline": "nope"})").status, 400);
  EXPECT_EQ(post("/api/v1/teams/1/runs", kAdminToken, R"({"colour": "red"})").status, 400);
  EXPECT_EQ(post("/api/v1/teams/99/runs", kAdminToken).status, 404);
  EXPECT_EQ(post("/api/v1/runs/run_0000000000000000/cancel", kAdminToken).status, 404);
  EXPECT_EQ(runs_json({"--team", "1"}).size(), 1U);

  // The general run, with its purchase date.
  auto general = post("/api/v1/teams/general/runs", kAdminToken,
                      R"({"purchase_date": "2026-01-02", "pipeline": "daily"})");
  ASSERT_EQ(general.status, 202) << general.body;
  const std::string general_id = nlohmann::json::parse(general.body)["run_id"];
  ASSERT_TRUE(wait_for_status(general_id, "running"));
  auto general_run = show(general_id);
  EXPECT_EQ(general_run["team"], "general");
  EXPECT_EQ(general_run["purchase_date"], "2026-01-02");

  // Cancel: accepted at once, the run ends cancelled within seconds, its processes gone.
  for (const std::string& id : {run_id, general_id}) {
    SCOPED_TRACE(id);
    auto cancel = post("/api/v1/runs/" + id + "/cancel", kAdminToken);
    EXPECT_EQ(cancel.status, 202) << cancel.body;
    EXPECT_EQ(nlohmann::json::parse(cancel.body)["cancel"], "requested");
    EXPECT_TRUE(wait_for_status(id, "cancelled", seconds(10))) << service->output();
    EXPECT_NE(show(id)["error"].get<std::string>().find("cancelled by api:api.token"),
              std::string::npos);
    EXPECT_TRUE(wait_until([&] { return processes_of(id) == 0; }, seconds(5)));
    auto ended = post("/api/v1/runs/" + id + "/cancel", kAdminToken);
    EXPECT_EQ(ended.status, 409) << ended.body;
    EXPECT_NE(ended.body.find("already ended: cancelled"), std::string::npos) << ended.body;
  }
  // Each action once in the audit log, as the token's name: two runs started (the replays added
  // nothing), two cancels.
  auto audited =
      sql("SELECT action, COUNT(*) FROM audit_log WHERE actor = 'api:api.token' GROUP "
          "BY action ORDER BY action");
  EXPECT_EQ(audited.exit_code, 0) << audited.err;
  EXPECT_NE(audited.out.find("run.cancel|2"), std::string::npos) << audited.out;
  EXPECT_NE(audited.out.find("run.trigger|2"), std::string::npos) << audited.out;
  // The key still names its (now cancelled) run: a replay starts nothing.
  auto late_replay = post("/api/v1/teams/1/runs", kAdminToken, "", "key-0001");
  EXPECT_EQ(late_replay.status, 202);
  EXPECT_EQ(nlohmann::json::parse(late_replay.body)["run_id"], run_id);
  EXPECT_EQ(runs_json({"--team", "1"}).size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunControlTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_param_name);

// A waiting run (its inputs not there yet) is cancelled at once by a compare-and-set on its row,
// and never starts when its inputs come.
class CancelWaitingTest : public E2eTest {};

TEST_F(CancelWaitingTest, ACancelledWaitingRunNeverStartsWhenItsInputsArrive) {
  add_team(1, "North");
  add_team(2, "South");
  std::ofstream(dir_ / "orchestrator.toml")
      << "[pipeline]\nrequired_inputs = [\"loans_{run_date:%Y%m%d}.csv\"]\n";
  auto service = serve(
      {{"DAILY_RUN_TIME", utc_time_in(2)},
       {"PIPELINE_WAIT_FOR_INPUTS_SECONDS", "300"},
       {"PIPELINE_INPUT_SETTLE_SECONDS", "1"},
       {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "ls \"$INPUT_DIR\" > \"$OUTPUT_DIR/seen\""])"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "waiting"}).size() == 2;
      },
      seconds(20)))
      << service->output();
  std::string waiting_id = runs_json({"--team", "1"})[0]["run_id"];

  auto cancelled = orch({"cancel", waiting_id});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err;
  EXPECT_NE(cancelled.out.find("it will not start"), std::string::npos) << cancelled.out;
  EXPECT_EQ(runs_json({"--team", "1"})[0]["status"], "cancelled");

  // Both teams' tapes arrive: team 2's run starts and completes; team 1's stays cancelled.
  for (int team : {1, 2}) {
    std::filesystem::create_directories(team_inputs(team));
    std::ofstream(team_inputs(team) / ("loans_" + today_utc_compact() + ".csv"))
        << "loan_id,amount\n1,100\n";
  }
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json({"--team", "2"});
        return runs.size() == 1 && runs[0]["status"] == "completed";
      },
      seconds(30)))
      << service->output();
  auto team1 = runs_json({"--team", "1"});
  ASSERT_EQ(team1.size(), 1U);
  EXPECT_EQ(team1[0]["status"], "cancelled");
  EXPECT_EQ(team1[0]["started_at"], nullptr);
  EXPECT_FALSE(std::filesystem::exists(team_outputs(1) / "runs" / waiting_id));
}

// Two replicas on one PostgreSQL database: each request is taken by exactly one, and a cancel
// reaches the replica that runs the run.
class RunControlReplicasTest : public E2eTest {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    env_["DATABASE_URL"] = database_.url();
  }
  std::string one(const std::string& query) {
    auto r = database_.query(query);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return trimmed(r.out);
  }
  TestDatabase database_{Backend::kPostgres, dir_.path()};
};

TEST_F(RunControlReplicasTest, TwentyTriggersMakeTwentyRunsNoneTwiceAndACancelReachesItsReplica) {
  for (int team = 1; team <= 21; ++team) {
    add_team(team, "Team " + std::to_string(team));
  }
  // Team 21 runs until stopped; the others end at once.
  std::map<std::string, std::string> env{
      {"DAILY_RUN_TIME", utc_time_in(-3600)},
      {"PIPELINE_COMMAND",
       R"(["/bin/sh", "-c", "if [ \"$SALES_TEAM_ID\" = 21 ]; then sleep 120; fi"])"}};
  auto first = serve(env);
  ASSERT_TRUE(wait_for_log(*first, "ready")) << first->output();
  // Only the first replica lives: it takes team 21's run.
  auto long_run = orch({"trigger", "--team", "21"});
  ASSERT_EQ(long_run.exit_code, 0) << long_run.err;
  const std::string long_id = trimmed(long_run.out);
  auto second = serve(env);
  ASSERT_TRUE(wait_for_log(*second, "ready")) << second->output();

  std::vector<std::string> ids(20);
  std::vector<int> codes(20, -1);
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int team = t * 5 + 1; team <= t * 5 + 5; ++team) {
        auto r = orch({"trigger", "--team", std::to_string(team)});
        codes[team - 1] = r.exit_code;
        ids[team - 1] = trimmed(r.out);
      }
    });
  }
  for (auto& caller : callers) {
    caller.join();
  }
  std::set<std::string> distinct;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(codes[i], 0) << "team " << i + 1;
    distinct.insert(ids[i]);
  }
  EXPECT_EQ(distinct.size(), 20U);
  ASSERT_TRUE(wait_until(
      [&] {
        return one("SELECT COUNT(*) FROM pipeline_runs WHERE status = 'completed' AND "
                   "sales_team_id <= 20") == "20";
      },
      seconds(30)));
  EXPECT_EQ(one("SELECT COUNT(*) FROM pipeline_runs WHERE sales_team_id <= 20"), "20");
  EXPECT_EQ(one("SELECT COUNT(*) FROM pipeline_runs WHERE triggered_by <> 'manual'"), "0");
  EXPECT_EQ(one("SELECT COUNT(*) FROM run_requests WHERE outcome = 'started' AND claimed_by IS "
                "NOT NULL"),
            "21");

  // The cancel is written to the database; the first replica, which runs the run, stops it.
  auto instance = one("SELECT instance FROM pipeline_runs WHERE run_id = '" + long_id + "'");
  EXPECT_NE(instance.find(":" + std::to_string(first->pid()) + ":"), std::string::npos);
  auto cancelled = orch({"cancel", long_id});
  EXPECT_EQ(cancelled.exit_code, 0) << cancelled.err << first->output();
  EXPECT_EQ(one("SELECT status FROM pipeline_runs WHERE run_id = '" + long_id + "'"), "cancelled");
  EXPECT_TRUE(wait_until([&] { return processes_of(long_id) == 0; }, seconds(5)));
  EXPECT_NE(first->output().find("run_cancelling run_id=" + long_id), std::string::npos);
  EXPECT_EQ(second->output().find("run_cancelling"), std::string::npos);
}

}  // namespace
}  // namespace orch::testing
