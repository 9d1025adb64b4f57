// A team's overlap policy: a slot that finds the team's previous run still going is skipped
// (the default), or with --overlap buffer-one waits for it and starts when it ends.

#include <signal.h>

#include "config/base/time.h"
#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// A manual run of team 1 that takes 5 s, started 2 s before the team's slot.
class OverlapTest : public E2eTest {
 protected:
  std::vector<nlohmann::json> run_through_a_long_manual_run() {
    std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(4)},
                                           {"PIPELINE_COMMAND", R"(["/bin/sleep", "5"])"}};
    auto service = serve(env);
    EXPECT_TRUE(wait_for_log(*service, "ready")) << service->output();
    CommandOptions options;
    options.working_dir = dir_.path();
    options.env = env_;
    options.env["PIPELINE_COMMAND"] = R"(["/bin/sleep", "5"])";
    BackgroundProcess manual({ORCH_BINARY, "run", "--team", "1"}, options, dir_ / "manual.log");
    EXPECT_TRUE(wait_until([&] { return runs_json().size() >= 2; }, seconds(20)))
        << runs_json().dump(2) << service->output();
    EXPECT_EQ(manual.wait(seconds(20)), 0) << manual.output();
    EXPECT_TRUE(wait_until(
        [&] {
          for (const auto& run : runs_json()) {
            if (run["status"] == "running" || run["status"] == "waiting") {
              return false;
            }
          }
          return true;
        },
        seconds(20)))
        << runs_json().dump(2);
    service->send_signal(SIGTERM);
    EXPECT_EQ(service->wait(seconds(15)), 0);
    auto runs = runs_json();
    return {runs.rbegin(), runs.rend()};  // oldest first: the manual run, then the slot's
  }
};

TEST_F(OverlapTest, BySkipASlotThatFindsTheTeamRunningIsSkipped) {
  add_team(1, "North");
  auto runs = run_through_a_long_manual_run();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["triggered_by"], "manual");
  EXPECT_EQ(runs[1]["status"], "skipped");
  EXPECT_NE(runs[1]["error"].get<std::string>().find(runs[0]["run_id"].get<std::string>()),
            std::string::npos);
}

TEST_F(OverlapTest, ByBufferOneTheSlotStartsWhenThePreviousRunEnds) {
  add_team(1, "North", {"--overlap", "buffer-one"});
  auto runs = run_through_a_long_manual_run();
  ASSERT_EQ(runs.size(), 2u);
  const auto& manual = runs[0];
  const auto& slot = runs[1];
  EXPECT_EQ(slot["status"], "completed") << slot.dump(2);
  EXPECT_EQ(slot["triggered_by"], "schedule");
  // It started after the manual run ended, and soon after.
  EXPECT_GE(slot["started_at"].get<std::string>(), manual["completed_at"].get<std::string>());
  auto ended = orch::parse_utc(manual["completed_at"].get<std::string>());
  auto started = orch::parse_utc(slot["started_at"].get<std::string>());
  ASSERT_TRUE(ended && started);
  EXPECT_LE(*started - *ended, std::chrono::milliseconds(2500));
  // How long it waited is in its row: from its claim to its start.
  auto claimed = orch::parse_utc(slot["created_at"].get<std::string>());
  ASSERT_TRUE(claimed.has_value());
  EXPECT_GE(*started - *claimed, std::chrono::seconds(1));
}

TEST_F(OverlapTest, ABadOverlapIsRefused) {
  add_team(1, "North");
  auto bad = orch({"teams", "update", "1", "--overlap", "queue"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--overlap: 'queue' is not allowed: use skip or buffer-one"),
            std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace orch::testing
