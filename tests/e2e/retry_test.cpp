#include <signal.h>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

TEST_F(E2eTest, AScheduledRunThatFailsTwiceIsRetriedUntilItCompletes) {
  add_team(1, "Flaky");
  // A pipeline that fails on its first two starts and succeeds on the third.
  auto counter = dir_ / "starts";
  std::string script = "n=$(cat '" + counter.string() + "' 2>/dev/null || echo 0); n=$((n+1)); " +
                       "echo $n > '" + counter.string() + "'; test $n -ge 3";
  nlohmann::json command = {"/bin/sh", "-c", script};
  // The count of starts lives outside every run folder, where a sandboxed pipeline cannot write.
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"PIPELINE_COMMAND", command.dump()},
                        {"PIPELINE_ISOLATION", "none"},
                        {"PIPELINE_RETRY_MAX_ATTEMPTS", "3"},
                        {"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "1"},
                        {"PIPELINE_RETRY_MAX_DELAY_SECONDS", "2"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return !runs.empty() && runs[0]["status"] == "completed";
      },
      seconds(40)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  auto runs = runs_json();  // newest first
  ASSERT_EQ(runs.size(), 3u) << runs.dump(2);
  const std::vector<std::string> statuses{"completed", "failed", "failed"};
  const std::vector<std::string> triggers{"retry", "retry", "schedule"};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE("row " + std::to_string(i));
    EXPECT_EQ(runs[i]["status"], statuses[i]);
    EXPECT_EQ(runs[i]["triggered_by"], triggers[i]);
    EXPECT_EQ(runs[i]["attempt"], 3 - static_cast<int>(i));
    EXPECT_EQ(runs[i]["scheduled_for"], runs[2]["scheduled_for"]) << "one slot, three attempts";
    EXPECT_EQ(runs[i]["run_date"], runs[2]["run_date"]);
  }
  // Each attempt starts after the previous one ended.
  EXPECT_GT(runs[0]["started_at"].get<std::string>(), runs[1]["completed_at"].get<std::string>());
  EXPECT_GT(runs[1]["started_at"].get<std::string>(), runs[2]["completed_at"].get<std::string>());
  // The failure notifications said whether another attempt was coming.
  std::string log = service->output();
  EXPECT_NE(log.find("attempt 2 at "), std::string::npos) << log;
  EXPECT_NE(log.find("attempt 3 at "), std::string::npos) << log;
}

TEST_F(E2eTest, ARetryLeftUndoneByAStoppedServiceIsMadeAtTheNextStart) {
  add_team(1, "Flaky");
  auto counter = dir_ / "starts";
  std::string script = "n=$(cat '" + counter.string() + "' 2>/dev/null || echo 0); n=$((n+1)); " +
                       "echo $n > '" + counter.string() + "'; test $n -ge 2";
  nlohmann::json command = {"/bin/sh", "-c", script};
  // The retry waits 10 minutes and must fall on the slot's day: the schedule's zone is one where
  // that day is far from its end, whatever the time of day the test runs (12 h ahead of UTC in
  // UTC's evening and night).
  const auto utc_hour =
      (std::chrono::system_clock::now().time_since_epoch() / std::chrono::hours(1)) % 24;
  const bool shift = utc_hour >= 18 || utc_hour < 6;
  auto slot_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) +
                 std::chrono::seconds(3) + std::chrono::hours(shift ? 12 : 0);
  std::string slot = date::format("%H:%M:%S", slot_at);
  // The count of starts lives outside every run folder, where a sandboxed pipeline cannot write.
  std::map<std::string, std::string> env{{"DAILY_RUN_TIME", slot},
                                         {"SCHEDULER_TIMEZONE", shift ? "Etc/GMT-12" : "UTC"},
                                         {"PIPELINE_COMMAND", command.dump()},
                                         {"PIPELINE_ISOLATION", "none"},
                                         {"PIPELINE_RETRY_MAX_ATTEMPTS", "2"},
                                         {"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "600"}};
  auto first = serve(env);
  ASSERT_TRUE(wait_for_log(*first, "run_retry_scheduled")) << first->output();
  first->send_signal(SIGTERM);
  ASSERT_EQ(first->wait(seconds(15)), 0);
  EXPECT_NE(first->output().find("retries_dropped"), std::string::npos) << first->output();
  ASSERT_EQ(runs_json().size(), 1u);

  // Restarted with a shorter delay, which has passed already: the retry is made at once.
  env["PIPELINE_RETRY_INITIAL_DELAY_SECONDS"] = "1";
  auto second = serve(env);
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return runs.size() == 2 && runs[0]["status"] == "completed";
      },
      seconds(30)))
      << runs_json().dump(2) << second->output();
  second->send_signal(SIGTERM);
  ASSERT_EQ(second->wait(seconds(15)), 0);
  auto runs = runs_json();
  EXPECT_EQ(runs[0]["triggered_by"], "retry");
  EXPECT_EQ(runs[0]["attempt"], 2);
  EXPECT_EQ(runs[0]["scheduled_for"], runs[1]["scheduled_for"]);
  EXPECT_NE(second->output().find("run_retry_resumed"), std::string::npos) << second->output();
}

TEST_F(E2eTest, TheLastFailedAttemptSaysNoOtherIsComing) {
  add_team(1, "Broken");
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(3)},
                        {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "exit 4"])"},
                        {"PIPELINE_RETRY_MAX_ATTEMPTS", "2"},
                        {"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "1"}});
  ASSERT_TRUE(wait_until(
      [&] { return runs_json().size() == 2 && runs_json()[0]["status"] == "failed"; }, seconds(40)))
      << runs_json().dump(2) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "attempt 2 of 2 was the last")) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  EXPECT_EQ(runs_json().size(), 2u);
}

TEST_F(E2eTest, ATeamsOwnRetrySettingsOverrideTheGlobalOnes) {
  add_team(1, "Retried", {"--retry-max-attempts", "2", "--retry-initial-delay", "1"});
  add_team(2, "Not retried");
  auto teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(teams[0]["retry_max_attempts"], 2);
  EXPECT_EQ(teams[0]["retry_initial_delay_seconds"], 1);
  EXPECT_TRUE(teams[0]["retry_max_delay_seconds"].is_null());
  auto service = serve(
      {{"DAILY_RUN_TIME", utc_time_in(3)}, {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "exit 4"])"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--team", "1"}).size() == 2 &&
               runs_json({"--team", "1"})[0]["status"] == "failed";
      },
      seconds(40)))
      << runs_json().dump(2) << service->output();
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);
  EXPECT_EQ(runs_json({"--team", "1"})[0]["attempt"], 2);
  EXPECT_EQ(runs_json({"--team", "2"}).size(), 1u) << "the global setting makes one attempt";

  auto bad = orch({"teams", "update", "1", "--retry-max-attempts", "0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--retry-max-attempts: '0' is not allowed: use a whole number from 1 "
                         "to 100"),
            std::string::npos)
      << bad.err;
  ASSERT_EQ(orch({"teams", "update", "1", "--retry-max-attempts", ""}).exit_code, 0);
  teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_TRUE(teams[0]["retry_max_attempts"].is_null());
}

TEST_F(E2eTest, RetrySettingsAreValidated) {
  auto result = orch({"check-config"}, {{"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "600"},
                                        {"PIPELINE_RETRY_MAX_DELAY_SECONDS", "60"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "error: configuration: pipeline.retry.max_delay_seconds = 60 is not allowed: use at "
            "least pipeline.retry.initial_delay_seconds (600)\n");
  auto zero = orch({"check-config"}, {{"PIPELINE_RETRY_MAX_ATTEMPTS", "0"}});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("pipeline.retry.max_attempts (PIPELINE_RETRY_MAX_ATTEMPTS) = \"0\" is "
                          "not allowed: use an integer from 1 to 100"),
            std::string::npos)
      << zero.err;
  auto shown = orch({"check-config"}, {{"PIPELINE_RETRY_MAX_ATTEMPTS", "4"}});
  EXPECT_NE(shown.out.find("[pipeline.retry]\nmax_attempts = 4\n"), std::string::npos) << shown.out;
}

}  // namespace
}  // namespace orch::testing
