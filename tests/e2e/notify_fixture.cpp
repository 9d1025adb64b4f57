#include "tests/e2e/notify_fixture.h"

#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <sstream>

namespace orch::testing {
namespace {

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

std::string test_name() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

}  // namespace

std::string ReceivedMail::header(const std::string& name) const {
  auto at = headers.find("\n" + name + ": ");
  if (at == std::string::npos) {
    return "";
  }
  auto start = at + name.size() + 3;
  return headers.substr(start, headers.find('\n', start) - start);
}

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

NotifyE2eTest::NotifyE2eTest() {
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
  from_ = "orch-" + std::to_string(::getpid()) + "-" + test_name() + "@example.com";
}

void NotifyE2eTest::SetUp() {
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

std::vector<std::string> NotifyE2eTest::notifications() {
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

std::string NotifyE2eTest::token() const {
  return "T0ken" + std::to_string(::getpid()) + test_name();
}

}  // namespace orch::testing
