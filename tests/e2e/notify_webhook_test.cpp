// Slack payloads of real runs, received by the HTTP(S) webhook sinks on loopback, and channels
// that are down, failing or hanging.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/notify_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

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
