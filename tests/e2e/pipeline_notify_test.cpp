// Notifications of a team's pipelines other than `daily` name the pipeline; `daily`'s read as they
// always did, so that a site with one pipeline sees no difference.
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/notify_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

TEST_F(NotifyE2eTest, AnotherPipelinesMailsAndAlertsNameItWhileDailysReadAsBefore) {
  add_team(3, "West", {"--email", "west@example.com"});
  write_file(dir_ / "orchestrator.toml",
             "[pipelines.month_end]\ncommand = [\"/bin/false\"]\ncron = \"0 4 1 * *\"\n");
  std::map<std::string, std::string> env{
      {"NOTIFY_CHANNELS", "email"},
      {"NOTIFY_ALERT_AFTER_FAILURES", "2"},
      {"NOTIFY_EVENTS_EMAIL", "run_completed,run_failed,team_failing"}};
  ASSERT_EQ(orch({"run", "--team", "3"}, env).exit_code, 0);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(orch({"run", "--team", "3", "--pipeline", "month_end"}, env).exit_code, 1);
  }
  ASSERT_TRUE(wait_until([&] { return mails_from(maildir_, from_).size() >= 4; }, seconds(10)));
  auto mails = mails_from(maildir_, from_);
  EXPECT_EQ(mails.size(), 4U);

  const ReceivedMail* daily = find_subject(mails, R"([orchestrator] team 3 "West" run completed)");
  ASSERT_NE(daily, nullptr);
  EXPECT_EQ(daily->body.find("Pipeline:"), std::string::npos) << daily->body;
  std::vector<const ReceivedMail*> failed;
  for (const ReceivedMail& mail : mails) {
    if (mail.subject() == R"([orchestrator] team 3 "West" month_end run failed)") {
      failed.push_back(&mail);
    }
  }
  ASSERT_EQ(failed.size(), 2U);
  EXPECT_NE(failed[0]->body.find("\nPipeline: month_end\n"), std::string::npos) << failed[0]->body;
  EXPECT_EQ(failed[0]->rcpt_to(), "west@example.com");
  const ReceivedMail* alert = find_subject(
      mails, R"([orchestrator] team 3 "West" month_end is failing: 2 failed runs in a row)");
  ASSERT_NE(alert, nullptr);
  EXPECT_NE(alert->body.find("\nPipeline: month_end\n"), std::string::npos) << alert->body;
}

}  // namespace
}  // namespace orch::testing
