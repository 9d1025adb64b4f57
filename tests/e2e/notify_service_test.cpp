// Notifications from the service (`serve`): scheduled runs, missed slots, abandoned runs, and the
// stop grace.

#include <signal.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/notify_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

TEST_F(NotifyE2eTest, TheServiceNotifiesScheduledRunsAndSendsWhatIsQueuedAtAStop) {
  add_team(3, "West", {"--email", "west@example.com"});
  // The webhook answers after 3 s: its delivery is still in flight when the service is told to
  // stop, and the stop grace lets it finish.
  std::string hook = "http://127.0.0.1:" + http_port_ + "/hang/3/" + token();
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(2)},
                        {"NOTIFY_CHANNELS", "email,slack"},
                        {"SLACK_WEBHOOK_URL", hook},
                        {"NOTIFY_STOP_GRACE_SECONDS", "10"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  ASSERT_TRUE(wait_for_log(*service, "run_completed")) << service->output();
  ASSERT_TRUE(wait_until(
      [&] { return lines_with(env_or_empty("HTTP_TEST_LOG"), token()).size() == 1; }, seconds(5)));
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
  auto rows = notifications();
  std::sort(rows.begin(), rows.end());
  ASSERT_EQ(rows.size(), 2U) << ::testing::PrintToString(rows);
  EXPECT_EQ(rows[0], "run_completed|email|west@example.com|sent|1|");
  EXPECT_EQ(rows[1], "run_completed|slack|http://127.0.0.1:" + http_port_ + "/***|sent|1|");
  auto mails = mails_from(maildir_, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), R"([orchestrator] team 3 "West" run completed)");
  EXPECT_NE(mails[0].body.find("\nTriggered by: schedule\n"), std::string::npos) << mails[0].body;
  EXPECT_NE(mails[0].body.find("\nSlot: "), std::string::npos) << mails[0].body;
}

TEST_F(NotifyE2eTest, ARunWhoseProcessDiedIsToldAsAbandoned) {
  add_team(3, "West", {"--email", "west@example.com"});
  auto env = env_;
  env["PIPELINE_COMMAND"] = R"(["/bin/sh", "-c", "sleep 3"])";
  BackgroundProcess manual({ORCH_BINARY, "run", "--team", "3"},
                           CommandOptions{dir_.path(), env, seconds(60)}, dir_ / "manual.log");
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json();
        return !runs.empty() && runs[0]["status"] == "running";
      },
      seconds(20)));
  manual.send_signal(SIGKILL);
  manual.wait(seconds(10));
  auto service = serve({{"NOTIFY_CHANNELS", "email"}, {"ENABLE_SCHEDULER", "false"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
  EXPECT_EQ(runs_json()[0]["status"], "abandoned");
  auto mails = mails_from(maildir_, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), R"([orchestrator] team 3 "West" run abandoned)");
  EXPECT_NE(mails[0].body.find("\nError: its service"), std::string::npos) << mails[0].body;
}

TEST_F(NotifyE2eTest, AMissedSlotIsMailedAsMissed) {
  add_team(3, "West", {"--email", "west@example.com"});
  // The team existed long before today's slot, which passed beyond the grace window while no
  // service was running.
  ASSERT_EQ(sqlite("UPDATE sales_teams SET active_since = '2020-01-01T00:00:00.000Z'").exit_code,
            0);
  auto service = serve({{"NOTIFY_CHANNELS", "email"},
                        {"DAILY_RUN_TIME", utc_time_in(-120)},
                        {"MISFIRE_GRACE_SECONDS", "60"}});
  ASSERT_TRUE(wait_for_log(*service, "run_missed")) << service->output();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
  auto mails = mails_from(maildir_, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), R"([orchestrator] team 3 "West" run missed)");
  EXPECT_NE(mails[0].body.find("grace window"), std::string::npos) << mails[0].body;
}

}  // namespace
}  // namespace orch::testing
