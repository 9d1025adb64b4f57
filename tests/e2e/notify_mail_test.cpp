// Mails of real runs, received by aiosmtpd on loopback: plain, STARTTLS and AUTH.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/notify_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

TEST_F(NotifyE2eTest, RunsMailTheirStartCompletionAndFailureToTheTeamsOwnRecipients) {
  add_team(3, "West", {"--email", "west@example.com,lead@example.com"});
  add_team(4, "East");
  write_tape(team_inputs(4), 2, 0, today_utc_compact());
  std::map<std::string, std::string> mail{{"NOTIFY_CHANNELS", "email"},
                                          {"NOTIFY_EMAIL_TO", "ops@example.com"},
                                          {"NOTIFY_EVENTS_EMAIL",
                                           "run_started,run_completed,"
                                           "run_failed"}};
  auto completed = orch({"run", "--team", "3"}, mail);
  ASSERT_EQ(completed.exit_code, 0) << completed.err;
  auto failing = mail;
  failing["PIPELINE_COMMAND"] = R"(["/bin/sh", "-c", "echo broken tape >&2; exit 7"])";
  auto failed = orch({"run", "--team", "3"}, failing);
  ASSERT_EQ(failed.exit_code, 1) << failed.err;
  ASSERT_EQ(orch({"run", "--team", "4"}, mail).exit_code, 0);

  ASSERT_TRUE(wait_until([&] { return mails_from(maildir_, from_).size() >= 6; }, seconds(10)));
  auto mails = mails_from(maildir_, from_);
  EXPECT_EQ(mails.size(), 6U);
  auto runs = runs_json({"--team", "3"});
  ASSERT_EQ(runs.size(), 2U);
  std::string failed_id = runs[0]["run_id"];
  std::string completed_id = runs[1]["run_id"];

  const ReceivedMail* fail_mail = find_subject(mails, R"([orchestrator] team 3 "West" run failed)");
  ASSERT_NE(fail_mail, nullptr);
  EXPECT_EQ(fail_mail->rcpt_to(), "west@example.com, lead@example.com");
  for (const std::string& line : std::vector<std::string>{
           "Team: 3 \"West\"", "Run: " + failed_id, "Status: failed",
           "Purchase date: " + std::string(runs[0]["purchase_date"]), "Exit code: 7", "Error: ",
           "Log: " + std::string(runs[0]["log_path"]), "Duration: ", "Started: ", "Ended: "}) {
    EXPECT_NE(fail_mail->body.find("\n" + line), std::string::npos) << line << "\n"
                                                                    << fail_mail->body;
  }
  const ReceivedMail* done_mail =
      find_subject(mails, R"([orchestrator] team 3 "West" run completed)");
  ASSERT_NE(done_mail, nullptr);
  EXPECT_NE(done_mail->body.find("\nRun: " + completed_id + "\n"), std::string::npos);
  EXPECT_NE(done_mail->body.find("\nTotal loans: 5\n"), std::string::npos) << done_mail->body;
  EXPECT_NE(done_mail->body.find("\nExceptions: 1\n"), std::string::npos) << done_mail->body;
  const ReceivedMail* start_mail =
      find_subject(mails, R"([orchestrator] team 3 "West" run started)");
  ASSERT_NE(start_mail, nullptr);
  EXPECT_EQ(start_mail->rcpt_to(), "west@example.com, lead@example.com");
  // A team without recipients of its own: the configured ones.
  const ReceivedMail* east = find_subject(mails, R"([orchestrator] team 4 "East" run completed)");
  ASSERT_NE(east, nullptr);
  EXPECT_EQ(east->rcpt_to(), "ops@example.com");

  auto rows = notifications();
  EXPECT_EQ(std::count_if(rows.begin(), rows.end(),
                          [](auto& r) {
                            return r.find("|email|") != std::string::npos &&
                                   r.find("|sent|1|") != std::string::npos;
                          }),
            6)
      << ::testing::PrintToString(rows);
}

TEST_F(NotifyE2eTest, ByDefaultStartsGoOnlyToTheLog) {
  add_team(3, "West", {"--email", "west@example.com"});
  auto result = orch({"run", "--team", "3"}, {{"NOTIFY_CHANNELS", "email"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("run_started"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return !mails_from(maildir_, from_).empty(); }, seconds(10)));
  auto mails = mails_from(maildir_, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), R"([orchestrator] team 3 "West" run completed)");
}

TEST_F(NotifyE2eTest, ConsecutiveFailuresRaiseOneAlertAndASuccessSaysRecovered) {
  add_team(3, "West", {"--email", "west@example.com"});
  std::map<std::string, std::string> env{{"NOTIFY_CHANNELS", "email"},
                                         {"NOTIFY_ALERT_AFTER_FAILURES", "2"},
                                         {"NOTIFY_EVENTS_EMAIL", "team_failing,team_recovered"}};
  auto failing = env;
  failing["PIPELINE_COMMAND"] = R"(["/bin/false"])";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(orch({"run", "--team", "3"}, failing).exit_code, 1);
  }
  ASSERT_EQ(orch({"run", "--team", "3"}, env).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return mails_from(maildir_, from_).size() >= 2; }, seconds(10)));
  auto mails = mails_from(maildir_, from_);
  ASSERT_EQ(mails.size(), 2U);
  const ReceivedMail* alert =
      find_subject(mails, R"([orchestrator] team 3 "West" is failing: 2 failed runs in a row)");
  ASSERT_NE(alert, nullptr);
  EXPECT_NE(alert->body.find("\nFailed runs in a row: 2\n"), std::string::npos) << alert->body;
  EXPECT_NE(find_subject(mails, R"([orchestrator] team 3 "West" recovered after 3 failed runs)"),
            nullptr);
}

TEST_F(NotifyE2eTest, NotifyTestSendsOverStartTlsWithTheTestCertificate) {
  std::string port = env_or_empty("SMTP_STARTTLS_TEST_PORT");
  std::string maildir = env_or_empty("SMTP_STARTTLS_TEST_MAILDIR");
  if (port.empty()) {
    GTEST_SKIP() << "needs the STARTTLS SMTP sink (scripts/with_test_services.sh)";
  }
  add_team(3, "West", {"--email", "west@example.com"});
  std::map<std::string, std::string> tls{{"SMTP_PORT", port},
                                         {"SMTP_TLS", "starttls"},
                                         {"SMTP_PASSWORD", "pw-" + token()},
                                         {"SMTP_CA_FILE", env_or_empty("HTTPS_TEST_CA")}};
  auto sent = orch({"notify", "test", "--channel", "email", "--team", "3"}, tls);
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_EQ(sent.out, "sent: test email to west@example.com\n");
  auto mails = mails_from(maildir, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), R"([orchestrator] test message for team 3 "West")");
  EXPECT_EQ(mails[0].rcpt_to(), "west@example.com");

  // The same server without trusting its certificate: refused, and said why.
  tls.erase("SMTP_CA_FILE");
  auto refused = orch({"notify", "test", "--channel", "email", "--team", "3"}, tls);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("certificate verify failed"), std::string::npos) << refused.err;
  // Plain text to a server that requires STARTTLS: the server's own answer.
  tls["SMTP_TLS"] = "plain";
  auto plain = orch({"notify", "test", "--channel", "email", "--team", "3"}, tls);
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("STARTTLS"), std::string::npos) << plain.err;
  EXPECT_EQ(mails_from(maildir, from_).size(), 1U);
  auto rows = notifications();
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0], "test|email|west@example.com|sent|1|");
  for (const auto& row : rows) {
    EXPECT_EQ(row.find(token()), std::string::npos) << row;
  }
}

TEST_F(NotifyE2eTest, NotifyTestSendsOverImplicitTls) {
  std::string port = env_or_empty("SMTPS_TEST_PORT");
  std::string maildir = env_or_empty("SMTPS_TEST_MAILDIR");
  if (port.empty()) {
    GTEST_SKIP() << "needs the SMTPS sink (scripts/with_test_services.sh)";
  }
  std::map<std::string, std::string> tls{{"SMTP_PORT", port},
                                         {"SMTP_TLS", "tls"},
                                         {"NOTIFY_EMAIL_TO", "ops@example.com"},
                                         {"SMTP_CA_FILE", env_or_empty("HTTPS_TEST_CA")}};
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);  // `notify test` records into an existing database
  auto sent = orch({"notify", "test", "--channel", "email"}, tls);
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto mails = mails_from(maildir, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), "[orchestrator] test message");
  EXPECT_EQ(mails[0].rcpt_to(), "ops@example.com");
  // TLS from the first byte to a server that speaks it, without trusting its certificate.
  tls.erase("SMTP_CA_FILE");
  auto refused = orch({"notify", "test", "--channel", "email"}, tls);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("certificate verify failed"), std::string::npos) << refused.err;
}

TEST_F(NotifyE2eTest, LogsInWithAuthPlainOrLoginAfterStartTls) {
  std::string plain_port = env_or_empty("SMTP_AUTH_TEST_PORT");
  std::string login_port = env_or_empty("SMTP_AUTH_LOGIN_TEST_PORT");
  std::string password = env_or_empty("SMTP_AUTH_TEST_PASSWORD");
  if (plain_port.empty() || login_port.empty()) {
    GTEST_SKIP() << "needs the AUTH SMTP sinks (scripts/with_test_services.sh)";
  }
  add_team(3, "West", {"--email", "west@example.com"});
  std::map<std::string, std::string> auth{{"SMTP_TLS", "starttls"},
                                          {"SMTP_CA_FILE", env_or_empty("HTTPS_TEST_CA")},
                                          {"SMTP_USER", env_or_empty("SMTP_AUTH_TEST_USER")},
                                          {"SMTP_PASSWORD", password}};
  // Both servers refuse mail before AUTH; one offers PLAIN and LOGIN, the other LOGIN only.
  for (const auto& port : {plain_port, login_port}) {
    auth["SMTP_PORT"] = port;
    auto sent = orch({"notify", "test", "--channel", "email", "--team", "3"}, auth);
    EXPECT_EQ(sent.exit_code, 0) << "port " << port << ": " << sent.err;
  }
  EXPECT_EQ(mails_from(env_or_empty("SMTP_AUTH_TEST_MAILDIR"), from_).size(), 2U);

  auth["SMTP_PORT"] = plain_port;
  auth["SMTP_PASSWORD"] = "wrong-" + token();
  auto refused = orch({"notify", "test", "--channel", "email", "--team", "3"}, auth);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("535"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find(token()), std::string::npos) << refused.err;
  for (const auto& row : notifications()) {
    EXPECT_EQ(row.find(token()), std::string::npos) << row;
    EXPECT_EQ(row.find(password), std::string::npos) << row;
  }
}

TEST_F(NotifyE2eTest, ATimedOutRunIsMailedAsTimedOut) {
  add_team(3, "West", {"--email", "west@example.com"});
  auto result = orch({"run", "--team", "3"}, {{"NOTIFY_CHANNELS", "email"},
                                              {"PIPELINE_TIMEOUT_SECONDS", "1"},
                                              {"PIPELINE_COMMAND", R"(["/bin/sleep", "10"])"}});
  ASSERT_EQ(result.exit_code, 1) << result.err;
  auto mails = mails_from(maildir_, from_);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].subject(), R"([orchestrator] team 3 "West" run timed out)");
  EXPECT_NE(mails[0].body.find("\nStatus: timed_out\n"), std::string::npos) << mails[0].body;
}

TEST_F(NotifyE2eTest, NotifyTestWithoutRecipientsSaysWhatToSet) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);  // without a database it would exit 4
  auto result = orch({"notify", "test", "--channel", "email"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "error: notify test: nobody to mail: set notify.email.to (NOTIFY_EMAIL_TO) or the "
            "team's --email" +
                in_use() + "\n");
}

}  // namespace
}  // namespace orch::testing
