// Notifications of real runs of the built binary, received by real servers on loopback: aiosmtpd
// (plain, STARTTLS) and the HTTP(S) webhook sinks of scripts/with_test_services.sh.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): tests never setenv
  return value == nullptr ? "" : value;
}

// One mail as aiosmtpd's Mailbox stored it, its quoted-printable body decoded.
struct ReceivedMail {
  std::string headers;
  std::string body;
  std::string subject() const { return header("Subject"); }
  std::string rcpt_to() const { return header("X-RcptTo"); }
  std::string header(const std::string& name) const {
    auto at = headers.find("\n" + name + ": ");
    if (at == std::string::npos) {
      return "";
    }
    auto start = at + name.size() + 3;
    return headers.substr(start, headers.find('\n', start) - start);
  }
};

std::string decode_quoted_printable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;  // a soft line break
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<ReceivedMail> mails_in(const std::filesystem::path& maildir) {
  std::vector<ReceivedMail> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(maildir / "new", ec)) {
    std::string text = read_file(entry.path());
    text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
    auto split = text.find("\n\n");
    ReceivedMail mail;
    mail.headers = "\n" + text.substr(0, split);
    mail.body = split == std::string::npos ? "" : decode_quoted_printable(text.substr(split + 2));
    out.push_back(std::move(mail));
  }
  return out;
}

// Every test marks its mails with its own sender, since the services are shared by the suite.
std::vector<ReceivedMail> mails_from(const std::filesystem::path& maildir,
                                     const std::string& from) {
  auto all = mails_in(maildir);
  std::vector<ReceivedMail> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out),
               [&](const ReceivedMail& m) { return m.header("X-MailFrom") == from; });
  return out;
}

const ReceivedMail* find_subject(const std::vector<ReceivedMail>& mails,
                                 const std::string& subject) {
  for (const auto& m : mails) {
    if (m.subject() == subject) {
      return &m;
    }
  }
  return nullptr;
}

std::vector<std::string> lines_with(const std::string& file, const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    if (line.find(text) != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

class NotifyE2eTest : public E2eTest {
 protected:
  NotifyE2eTest() {
    // Whatever the developer's shell holds must not leak into the test's configuration.
    for (const char* name : {"SMTP_HOST",
                             "SMTP_PORT",
                             "SMTP_USER",
                             "SMTP_PASSWORD",
                             "SMTP_FROM",
                             "SMTP_STARTTLS",
                             "SMTP_TLS",
                             "SMTP_CA_FILE",
                             "SMTP_TIMEOUT_SECONDS",
                             "NOTIFY_EMAIL_TO",
                             "SLACK_WEBHOOK_URL",
                             "SLACK_CA_FILE",
                             "SLACK_TIMEOUT_SECONDS",
                             "NOTIFY_EVENTS_LOG",
                             "NOTIFY_EVENTS_EMAIL",
                             "NOTIFY_EVENTS_SLACK",
                             "NOTIFY_ALERT_AFTER_FAILURES",
                             "NOTIFY_RETRY_MAX_ATTEMPTS",
                             "NOTIFY_RETRY_INITIAL_DELAY_MS",
                             "NOTIFY_RETRY_MAX_DELAY_MS",
                             "NOTIFY_QUEUE_SIZE",
                             "NOTIFY_STOP_GRACE_SECONDS"}) {
      env_[name] = "";
    }
    // A sender of its own: the mail sinks are shared by every test of the suite.
    from_ = "orch-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + "@example.com";
  }

  void SetUp() override {
    smtp_port_ = env_or_empty("SMTP_TEST_PORT");
    maildir_ = env_or_empty("SMTP_TEST_MAILDIR");
    http_port_ = env_or_empty("HTTP_TEST_PORT");
    https_port_ = env_or_empty("HTTPS_TEST_PORT");
    if (smtp_port_.empty() || http_port_.empty() || https_port_.empty()) {
      GTEST_SKIP() << "needs the test services (scripts/with_test_services.sh)";
    }
    env_["SMTP_HOST"] = "127.0.0.1";
    env_["SMTP_PORT"] = smtp_port_;
    env_["SMTP_FROM"] = from_;
    write_tape(team_inputs(3), 4, 1, today_utc_compact());
  }

  // The notifications table, one "event|channel|target|status|attempts|last_error" line per row.
  std::vector<std::string> notifications() {
    auto result = sqlite(
        "SELECT event, channel, target, status, attempts, COALESCE(last_error, '') "
        "FROM notifications ORDER BY id");
    std::vector<std::string> out;
    std::istringstream in(result.out);
    for (std::string line; std::getline(in, line);) {
      out.push_back(line);
    }
    return out;
  }

  std::string token() const {
    return "T0ken" + std::to_string(::getpid()) +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  std::string from_;
  std::string smtp_port_, maildir_, http_port_, https_port_;
};

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

TEST_F(NotifyE2eTest, SlackPayloadReachesAnHttpsWebhookTrustedThroughCaFile) {
  std::string path = "/services/T1/B1/" + token();
  add_team(3, "West", {"--slack-webhook", "https://127.0.0.1:" + https_port_ + path});
  auto result = orch({"run", "--team", "3"},
                     {{"NOTIFY_CHANNELS", "slack"},
                      {"SLACK_WEBHOOK_URL", "https://127.0.0.1:" + https_port_ + "/global"},
                      {"SLACK_CA_FILE", env_or_empty("HTTPS_TEST_CA")}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto posts = lines_with(env_or_empty("HTTPS_TEST_LOG"), path);
  ASSERT_EQ(posts.size(), 1U);
  auto payload = nlohmann::json::parse(posts[0].substr(posts[0].find('{')));
  std::string run_id = runs_json()[0]["run_id"];
  EXPECT_EQ(payload["text"], "team 3 \"West\" run completed (" + run_id + ")");
  EXPECT_NE(payload.dump().find("*Total loans*\\n5"), std::string::npos) << payload.dump();
  EXPECT_NE(posts[0].find(" application/json "), std::string::npos);
  // The token is the webhook's secret: not in the log, not in the table.
  EXPECT_EQ(result.err.find(token()), std::string::npos) << result.err;
  auto rows = notifications();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0], "run_completed|slack|https://127.0.0.1:" + https_port_ + "/***|sent|1|");
}

TEST_F(NotifyE2eTest, AnUntrustedCertificateIsRefusedWithAClearError) {
  add_team(3, "West");
  auto result = orch({"run", "--team", "3"},
                     {{"NOTIFY_CHANNELS", "slack"},
                      {"SLACK_WEBHOOK_URL", "https://127.0.0.1:" + https_port_ + "/x/" + token()}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("notification_failed"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("certificate verify failed"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find(token()), std::string::npos) << result.err;
  auto rows = notifications();
  ASSERT_EQ(rows.size(), 1U);
  // Not retried: another attempt cannot make the certificate trusted.
  EXPECT_EQ(rows[0].substr(0, rows[0].find("|webhook")),
            "run_completed|slack|https://127.0.0.1:" + https_port_ + "/***|failed|1");
  EXPECT_NE(rows[0].find("certificate verify failed"), std::string::npos) << rows[0];
  EXPECT_TRUE(lines_with(env_or_empty("HTTPS_TEST_LOG"), token()).empty());
}

TEST_F(NotifyE2eTest, DeadChannelsNeitherDelayNorChangeARunAndEndRecordedFailed) {
  add_team(3, "West", {"--email", "west@example.com"});
  std::string hook = "http://127.0.0.1:" + http_port_ + "/status/500/" + token();
  auto start = std::chrono::steady_clock::now();
  auto result = orch({"run", "--team", "3"}, {{"NOTIFY_CHANNELS", "email,slack"},
                                              {"SMTP_PORT", "1"},  // nothing listens there
                                              {"SLACK_WEBHOOK_URL", hook},
                                              {"NOTIFY_RETRY_MAX_ATTEMPTS", "3"},
                                              {"NOTIFY_RETRY_INITIAL_DELAY_MS", "100"},
                                              {"NOTIFY_STOP_GRACE_SECONDS", "10"}});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_LT(runs[0]["duration_ms"].get<int>(), 3000);
  EXPECT_LT(took, seconds(10));
  // Three tries each, then the reason, in the log and in the table.
  EXPECT_EQ(lines_with(env_or_empty("HTTP_TEST_LOG"), token()).size(), 3U);
  EXPECT_NE(result.err.find("notification_retry"), std::string::npos);
  auto rows = notifications();
  ASSERT_EQ(rows.size(), 2U) << ::testing::PrintToString(rows);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows[0].substr(0, rows[0].find("|SMTP")),
            "run_completed|email|west@example.com|failed|3");
  EXPECT_NE(rows[0].find("Connection refused"), std::string::npos) << rows[0];
  EXPECT_EQ(rows[1], "run_completed|slack|http://127.0.0.1:" + http_port_ +
                         "/***|failed|3|webhook http://127.0.0.1:" + http_port_ +
                         "/***: HTTP 500 Internal Server Error: fault injected");
  EXPECT_EQ(result.err.find(token()), std::string::npos) << result.err;
}

TEST_F(NotifyE2eTest, AHangingWebhookTimesOutWhileTheRunEndsOnTime) {
  add_team(3, "West");
  std::string hook = "http://127.0.0.1:" + http_port_ + "/hang/30/" + token();
  auto start = std::chrono::steady_clock::now();
  auto result = orch({"run", "--team", "3"}, {{"NOTIFY_CHANNELS", "slack"},
                                              {"SLACK_WEBHOOK_URL", hook},
                                              {"SLACK_TIMEOUT_SECONDS", "1"},
                                              {"NOTIFY_RETRY_MAX_ATTEMPTS", "2"},
                                              {"NOTIFY_RETRY_INITIAL_DELAY_MS", "100"}});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto runs = runs_json();
  ASSERT_EQ(runs.size(), 1U);
  EXPECT_EQ(runs[0]["status"], "completed");
  EXPECT_LT(runs[0]["duration_ms"].get<int>(), 3000);
  // Two tries of one second each, within the default stop grace: not the hook's 30 s.
  EXPECT_LT(took, seconds(8));
  auto rows = notifications();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0], "run_completed|slack|http://127.0.0.1:" + http_port_ +
                         "/***|failed|2|webhook http://127.0.0.1:" + http_port_ +
                         "/***: no answer within 1 s (timed out)");
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

TEST_F(NotifyE2eTest, NotifyTestWithoutRecipientsSaysWhatToSet) {
  auto result = orch({"notify", "test", "--channel", "email"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "error: notify test: nobody to mail: set notify.email.to (NOTIFY_EMAIL_TO) or the "
            "team's --email\n");
}

TEST_F(NotifyE2eTest, CheckConfigAndTeamsListKeepSecretsOut) {
  add_team(3, "West", {"--slack-webhook", "https://hooks.example/services/" + token()});
  auto config = orch({"check-config"}, {{"SMTP_PASSWORD", "pw-" + token()},
                                        {"SLACK_WEBHOOK_URL", "https://hooks.example/" + token()}});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_EQ(config.out.find(token()), std::string::npos) << config.out;
  EXPECT_NE(config.out.find("[notify.events]"), std::string::npos);
  auto teams = orch({"teams", "list"});
  EXPECT_EQ(teams.out.find(token()), std::string::npos) << teams.out;
  EXPECT_NE(teams.out.find("https://hooks.example/***"), std::string::npos) << teams.out;
}

}  // namespace
}  // namespace orch::testing
