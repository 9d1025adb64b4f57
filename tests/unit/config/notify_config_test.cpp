// The notify.* keys: event routing, alerting, TLS, timeouts, retries, the queue.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace orch::config {
namespace {

using orch::testing::TempDir;
using orch::testing::write_file;
using Env = std::map<std::string, std::string>;
using Names = std::vector<std::string>;

Result<Config> load_with(const TempDir& dir, const std::string& toml, Env env = {}) {
  write_file(dir / "orchestrator.toml", toml);
  LoadOptions options;
  options.working_dir = dir.path();
  options.env = std::move(env);
  options.default_pipeline = "/opt/orch/example-pipeline";
  return load(options);
}

// One line, kInvalidArgument, holding every part.
::testing::AssertionResult refused(const Result<Config>& result, const Names& parts) {
  if (result) {
    return ::testing::AssertionFailure() << "loaded";
  }
  const auto& message = result.error().message;
  if (result.error().code != ErrorCode::kInvalidArgument ||
      message.find('\n') != std::string::npos) {
    return ::testing::AssertionFailure() << "not one kInvalidArgument line: " << message;
  }
  for (const auto& part : parts) {
    if (message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "no \"" << part << "\" in: " << message;
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(NotifyConfig, DefaultsSendEverythingToTheLogAndAllButStartsToEmailAndSlack) {
  TempDir dir;
  auto c = load_with(dir, "");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  const auto& events = c->notify.events;
  EXPECT_EQ(events.at(Channel::kLog).size(), event_names().size());
  for (Channel channel : {Channel::kEmail, Channel::kSlack}) {
    const auto& chosen = events.at(channel);
    EXPECT_EQ(std::count(chosen.begin(), chosen.end(), "run_started"), 0);
    for (const char* name : {"run_completed", "run_failed", "run_timed_out", "run_abandoned",
                             "run_missed", "run_skipped", "team_failing", "team_recovered"}) {
      EXPECT_EQ(std::count(chosen.begin(), chosen.end(), name), 1) << name;
    }
  }
  EXPECT_EQ(c->notify.alert_after_failures, 3);
  EXPECT_EQ(c->notify.smtp.tls, SmtpTls::kPlain);
  EXPECT_EQ(c->notify.retry.max_attempts, 5);
  EXPECT_EQ(c->notify.queue_size, 1000);
}

TEST(NotifyConfig, EventsPerChannelFromFileAndEnvironment) {
  TempDir dir;
  auto c = load_with(dir, "[notify.events]\nemail = [\"run_failed\", \"Team_Failing\"]\n",
                     {{"NOTIFY_EVENTS_SLACK", "run_started, run_completed"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->notify.events.at(Channel::kEmail), (Names{"run_failed", "team_failing"}));
  EXPECT_EQ(c->notify.events.at(Channel::kSlack), (Names{"run_started", "run_completed"}));
  EXPECT_EQ(c->notify.events.at(Channel::kLog).size(), event_names().size());
}

TEST(NotifyConfig, RefusesAnUnknownEventNamingTheKeyAndTheChoices) {
  TempDir dir;
  EXPECT_TRUE(refused(load_with(dir, "", {{"NOTIFY_EVENTS_EMAIL", "run_failed,run_exploded"}}),
                      {"notify.events.email (NOTIFY_EVENTS_EMAIL)", "\"run_exploded\"",
                       "run_started, run_completed"}));
  EXPECT_TRUE(refused(load_with(dir, "[notify.events]\nsms = [\"run_failed\"]\n"),
                      {"unknown key \"notify.events.sms\"", "log, email, slack"}));
}

TEST(NotifyConfig, SmtpTlsModesAndTheirAgreementWithStarttls) {
  TempDir dir;
  auto tls = load_with(dir, "[notify.smtp]\ntls = \"TLS\"\n");
  ASSERT_TRUE(tls.has_value()) << tls.error().message;
  EXPECT_EQ(tls->notify.smtp.tls, SmtpTls::kTls);
  auto legacy = load_with(dir, "", {{"SMTP_STARTTLS", "true"}});
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ(legacy->notify.smtp.tls, SmtpTls::kStartTls);
  EXPECT_TRUE(refused(load_with(dir, "", {{"SMTP_TLS", "ssl"}}),
                      {"notify.smtp.tls (SMTP_TLS) = \"ssl\"", "plain, starttls or tls"}));
  EXPECT_TRUE(refused(load_with(dir, "[notify.smtp]\nstarttls = true\ntls = \"plain\"\n"),
                      {"notify.smtp.tls = \"plain\"", "notify.smtp.starttls = true"}));
}

TEST(NotifyConfig, RefusesAnSmtpLoginOverAPlainConnection) {
  TempDir dir;
  EXPECT_TRUE(refused(load_with(dir, "", {{"SMTP_USER", "bot"}, {"SMTP_PASSWORD", "pw"}}),
                      {"notify.smtp.user (SMTP_USER)", "in the clear", "starttls"}));
  auto tls = load_with(dir, "", {{"SMTP_USER", "bot"}, {"SMTP_TLS", "tls"}});
  EXPECT_TRUE(tls.has_value()) << tls.error().message;
}

TEST(NotifyConfig, RefusesOutOfRangeNumbersNamingTheRange) {
  TempDir dir;
  EXPECT_TRUE(
      refused(load_with(dir, "", {{"NOTIFY_ALERT_AFTER_FAILURES", "-1"}}),
              {"notify.alert_after_failures (NOTIFY_ALERT_AFTER_FAILURES) = \"-1\"", "0 to 1000"}));
  EXPECT_TRUE(refused(load_with(dir, "[notify.slack]\ntimeout_seconds = 0\n"),
                      {"notify.slack.timeout_seconds = 0", "1 to 600"}));
  EXPECT_TRUE(refused(load_with(dir, "", {{"NOTIFY_QUEUE_SIZE", "many"}}),
                      {"notify.queue_size (NOTIFY_QUEUE_SIZE)"}));
  EXPECT_TRUE(refused(load_with(dir, "", {{"NOTIFY_RETRY_MAX_ATTEMPTS", "0"}}),
                      {"notify.retry.max_attempts", "1 to 100"}));
  EXPECT_TRUE(
      refused(load_with(dir, "[notify.retry]\ninitial_delay_ms = 5000\nmax_delay_ms = 10\n"),
              {"notify.retry.max_delay_ms = 10", "initial_delay_ms (5000)"}));
}

TEST(NotifyConfig, CaFilesMustExist) {
  TempDir dir;
  write_file(dir / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto c = load_with(dir, "", {{"SLACK_CA_FILE", (dir / "ca.pem").string()}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->notify.slack_ca_file, (dir / "ca.pem").string());
  EXPECT_TRUE(refused(
      load_with(dir, "", {{"SMTP_CA_FILE", "/nonexistent/ca.pem"}}),
      {"notify.smtp.ca_file (SMTP_CA_FILE) = \"/nonexistent/ca.pem\"", "PEM certificate file"}));
}

TEST(NotifyConfig, DescribeShowsTheNewKeysAndLoadsBack) {
  TempDir dir;
  auto c =
      load_with(dir,
                "[notify]\nalert_after_failures = 5\n[notify.smtp]\ntls = \"starttls\"\n"
                "[notify.events]\nslack = [\"run_failed\"]\n[notify.retry]\nmax_attempts = 2\n",
                {{"SMTP_PASSWORD", "hunter2"}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  std::string text = describe(*c);
  EXPECT_NE(text.find("alert_after_failures = 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("tls = \"starttls\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("slack = [\"run_failed\"]\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  TempDir again;
  auto back = load_with(again, text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(describe(*back).substr(describe(*back).find('\n')), text.substr(text.find('\n')));
}

}  // namespace
}  // namespace orch::config
