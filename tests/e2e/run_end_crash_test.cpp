// Ends of runs written in batches (one commit for the ends of runs that end together) against
// kill -9: `serve` is killed while runs end one after another and their ends are being written;
// the next `serve` leaves no team's run lost, none run twice at once, no row running.
#include <signal.h>

#include <string>

#include "tests/e2e/crash_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kTeams = 40;

class RunEndCrashTest : public CrashTest {
 protected:
  explicit RunEndCrashTest(Backend backend) : CrashTest(backend) {}

  void kill_while_ends_are_written() {
    add_teams(kTeams);
    const std::map<std::string, std::string> env{{"DAILY_RUN_TIME", utc_time_in(3)},
                                                 {"MAX_PARALLEL_RUNS", "8"},
                                                 {"MISFIRE_GRACE_SECONDS", "3600"},
                                                 {"PIPELINE_COMMAND", chaos_command(50, 250)}};
    auto first = serve(env);
    // Some ends recorded, others still coming: workers are ending runs when the kill lands.
    ASSERT_TRUE(poll_until([&] { return count("status = 'completed'") >= kTeams / 4; }, seconds(30),
                           milliseconds(20)))
        << first->output();
    first->send_signal(SIGKILL);
    first->wait(seconds(5));
    const long ended_before_kill = count("status = 'completed'");

    auto second = serve(env);
    const bool settled = poll_until(
        [&] {
          return count("status = 'running'") == 0 &&
                 one("SELECT COUNT(DISTINCT sales_team_id) FROM pipeline_runs WHERE status = "
                     "'completed'") == std::to_string(kTeams);
        },
        seconds(60));
    second->send_signal(SIGTERM);
    EXPECT_EQ(second->wait(seconds(20)), 0) << second->output();
    ASSERT_TRUE(settled) << second->output();
    EXPECT_LT(ended_before_kill, kTeams) << "the kill came after the storm: nothing was tested";
    for (int team = 1; team <= kTeams; ++team) {
      EXPECT_EQ(count("status = 'completed' AND sales_team_id = " + std::to_string(team)), 1)
          << "team " << team << ":" << history(team);
      EXPECT_TRUE(overlapping(trails(team)).empty()) << "team " << team << ":" << history(team);
    }
    // A run the kill caught before its end was committed is `abandoned` and runs again, as any
    // run whose service died; a row never says `completed` for a pipeline that did not end.
    EXPECT_EQ(count("status NOT IN ('completed', 'abandoned')"), 0);
    for (const std::string& line : rows_contradicting_marks()) {
      EXPECT_EQ(line.find(" is completed "), std::string::npos) << line;
    }
    EXPECT_EQ(pipelines_left(), std::vector<int>{});
  }
};

class RunEndCrashSqliteTest : public RunEndCrashTest {
 protected:
  RunEndCrashSqliteTest() : RunEndCrashTest(Backend::kSqlite) {}
};

class RunEndCrashPostgresTest : public RunEndCrashTest {
 protected:
  RunEndCrashPostgresTest() : RunEndCrashTest(Backend::kPostgres) {}
};

TEST_F(RunEndCrashSqliteTest, AKillWhileEndsAreWrittenLosesNoRunAndRunsNoneTwice) {
  kill_while_ends_are_written();
}

TEST_F(RunEndCrashPostgresTest, AKillWhileEndsAreWrittenLosesNoRunAndRunsNoneTwice) {
  kill_while_ends_are_written();
}

}  // namespace
}  // namespace orch::testing
