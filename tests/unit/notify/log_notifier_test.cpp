#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/base/log.h"
#include "notify/notifier.h"

namespace orch::notify {
namespace {

RunEvent failed_run() {
  RunEvent e;
  e.kind = EventKind::kRunFailed;
  e.run_id = RunId("run_0123456789abcdef");
  e.team = TeamId{3};
  e.team_name = "West Coast";
  e.status = "timed_out";
  e.triggered_by = "schedule";
  e.run_date = "2026-11-23";
  e.purchase_date = "2026-11-24";
  e.exit_code = 9;
  e.duration_ms = 6;
  e.attempt = 2;
  e.error = "timed out after 60 s; process group killed";
  return e;
}

class LogNotifierTest : public ::testing::Test {
 protected:
  void TearDown() override { log::init(log::Level::kInfo, log::Format::kText); }

  std::string capture(log::Format format, const RunEvent& event) {
    log::init(log::Level::kInfo, format);
    auto notifier = make_log_notifier();
    ::testing::internal::CaptureStderr();
    notifier->notify(event);
    return ::testing::internal::GetCapturedStderr();
  }
};

TEST_F(LogNotifierTest, JsonLineCarriesTheEventAndItsFields) {
  std::string line = capture(log::Format::kJson, failed_run());
  ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["msg"], "run_failed");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["team"], "3");
  EXPECT_EQ(j["team_name"], "West Coast");
  EXPECT_EQ(j["status"], "timed_out");
  EXPECT_EQ(j["exit_code"], 9);  // numbers are numbers, the owner ("3") text
  EXPECT_EQ(j["duration_ms"], 6);
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_EQ(j["error"], "timed out after 60 s; process group killed");
  EXPECT_FALSE(j.contains("total_loans"));  // unset fields are left out
}

// The type of a value is that of its field, not what its text looks like.
TEST_F(LogNotifierTest, JsonLineKeepsTextThatLooksLikeANumberText) {
  RunEvent e = failed_run();
  e.team_name = "2024";
  e.error = "7";
  auto j = nlohmann::json::parse(capture(log::Format::kJson, e));
  EXPECT_EQ(j["team_name"], "2024");
  EXPECT_EQ(j["error"], "7");
  EXPECT_EQ(j["exit_code"], 9);
}

// A pipeline's error text can hold anything: quotes, backslashes, line breaks, control
// characters, bytes that are not UTF-8. The line stays one JSON object that says it.
TEST_F(LogNotifierTest, JsonLineStaysOneObjectWhateverTheValuesHold) {
  RunEvent e = failed_run();
  e.error = "said \"no\"\\ then\nleft\t\x01 \xff\xfe end";
  e.team_name = "Ost \xc3\xa9quipe";
  std::string line = capture(log::Format::kJson, e);
  ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["error"], "said \"no\"\\ then\nleft\t\x01 \xef\xbf\xbd\xef\xbf\xbd end");
  EXPECT_EQ(j["team_name"], "Ost \xc3\xa9quipe");
  auto ordered = nlohmann::ordered_json::parse(line);
  EXPECT_EQ(ordered.begin().key(), "ts");  // ts, level and msg lead, as before
}

TEST_F(LogNotifierTest, TextLineQuotesValuesWithSpaces) {
  std::string line = capture(log::Format::kText, failed_run());
  EXPECT_NE(line.find(" error run_failed run_id=run_0123456789abcdef team=3 "), std::string::npos)
      << line;
  EXPECT_NE(line.find("team_name=\"West Coast\""), std::string::npos) << line;
}

// Under systemd the journal stamps each line itself and reads its priority from a "<N>" prefix:
// a failed run is priority 3 (err), so `journalctl -p err` lists it; a start is 6 (info).
TEST_F(LogNotifierTest, JournalLineHasAPriorityAndNoTimestamp) {
  std::string failed = capture(log::Format::kJournal, failed_run());
  EXPECT_TRUE(failed.starts_with("<3>error run_failed run_id=run_0123456789abcdef team=3 "))
      << failed;
  RunEvent started = failed_run();
  started.kind = EventKind::kRunStarted;
  std::string line = capture(log::Format::kJournal, started);
  EXPECT_TRUE(line.starts_with("<6>info run_started ")) << line;
  RunEvent missed = failed_run();
  missed.kind = EventKind::kRunMissed;
  EXPECT_TRUE(capture(log::Format::kJournal, missed).starts_with("<4>warn run_missed "));
}

TEST_F(LogNotifierTest, TextLineQuotesAValueThatIsNotUtf8) {
  RunEvent e = failed_run();
  e.error = "bad \xff byte";
  std::string line = capture(log::Format::kText, e);
  EXPECT_NE(line.find("error=\"bad \xef\xbf\xbd byte\""), std::string::npos) << line;
}

// Issue 13: a team name holding an escape sequence, with no space to make it quoted, reached the
// terminal raw.
TEST_F(LogNotifierTest, LinesEscapeControlCharactersInEitherFormat) {
  RunEvent e = failed_run();
  e.team_name =
      "\x1b]0;owned\x07\x1b[31mRed\xc2\x9b"
      "0m";
  for (log::Format format : {log::Format::kText, log::Format::kJson}) {
    std::string line = capture(format, e);
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x07'), std::string::npos) << line;
    EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos) << line;
    EXPECT_NE(line.find("\\u001b]0;owned\\u0007\\u001b[31mRed\\u009b0m"), std::string::npos)
        << line;
  }
}

TEST_F(LogNotifierTest, StartsGoToInfoAndSkipsToWarn) {
  RunEvent started = failed_run();
  started.kind = EventKind::kRunStarted;
  EXPECT_NE(capture(log::Format::kText, started).find(" info run_started "), std::string::npos);
  RunEvent skipped = failed_run();
  skipped.kind = EventKind::kRunSkipped;
  EXPECT_NE(capture(log::Format::kText, skipped).find(" warn run_skipped "), std::string::npos);
}

TEST_F(LogNotifierTest, GeneralRunIsNamedGeneral) {
  RunEvent e = failed_run();
  e.team.reset();
  auto j = nlohmann::json::parse(capture(log::Format::kJson, e));
  EXPECT_EQ(j["team"], "general");
}

TEST_F(LogNotifierTest, FanoutReachesEveryChannel) {
  std::vector<std::unique_ptr<Notifier>> channels;
  channels.push_back(make_log_notifier());
  channels.push_back(make_log_notifier());
  auto fanout = make_fanout_notifier(std::move(channels));
  log::init(log::Level::kInfo, log::Format::kText);
  ::testing::internal::CaptureStderr();
  fanout->notify(failed_run());
  std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << out;
}

}  // namespace
}  // namespace orch::notify
