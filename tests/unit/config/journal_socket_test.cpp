// Log entries as journald's native protocol carries them, received on a datagram socket the test
// binds where journald's would be.

#include "config/base/journal_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include <gtest/gtest.h>

#include "config/base/log.h"
#include "tests/support/temp_dir.h"

namespace orch::log {
namespace {

// A datagram socket bound at a path: what journald listens on.
class FakeJournald {
 public:
  explicit FakeJournald(const std::filesystem::path& path)
      : fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    int size = 4 << 20;  // room for the large entry of a test
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  ~FakeJournald() { ::close(fd_); }
  FakeJournald(const FakeJournald&) = delete;
  FakeJournald& operator=(const FakeJournald&) = delete;

  bool bound() const { return bound_; }

  // The fields of the next entry, waiting for it up to a deadline; empty when none came.
  std::multimap<std::string, std::string> receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) {
      return {};
    }
    std::string datagram(1 << 20, '\0');
    ssize_t got = ::recv(fd_, datagram.data(), datagram.size(), 0);
    datagram.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return decode(datagram);
  }

  bool empty() {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  // The protocol's two forms: NAME=value\n, and NAME\n<64-bit LE size><value>\n.
  static std::multimap<std::string, std::string> decode(const std::string& d) {
    std::multimap<std::string, std::string> fields;
    std::size_t pos = 0;
    while (pos < d.size()) {
      std::size_t end = d.find_first_of("=\n", pos);
      if (end == std::string::npos) {
        ADD_FAILURE() << "truncated entry";
        break;
      }
      std::string name = d.substr(pos, end - pos);
      if (d[end] == '=') {
        std::size_t nl = d.find('\n', end);
        fields.emplace(name, d.substr(end + 1, nl - end - 1));
        pos = nl + 1;
      } else {
        std::uint64_t size = 0;
        for (int i = 0; i < 8; ++i) {
          size |= static_cast<std::uint64_t>(static_cast<unsigned char>(d[end + 1 + i])) << (8 * i);
        }
        fields.emplace(name, d.substr(end + 9, size));
        EXPECT_EQ(d[end + 9 + size], '\n');
        pos = end + 10 + size;
      }
    }
    return fields;
  }

 private:
  int fd_;
  bool bound_ = false;
};

std::string one(const std::multimap<std::string, std::string>& fields, const std::string& name) {
  EXPECT_EQ(fields.count(name), 1u) << name;
  auto it = fields.find(name);
  return it == fields.end() ? "" : it->second;
}

class JournalLogTest : public ::testing::Test {
 protected:
  void TearDown() override { init(Level::kInfo, Format::kText); }
  testing::TempDir dir_;
};

TEST_F(JournalLogTest, EntriesGoToTheJournalAsNativeFieldsWithTheirPriority) {
  FakeJournald journald(dir_ / "socket");
  ASSERT_TRUE(journald.bound());
  init(Level::kDebug, Format::kJournal, (dir_ / "socket").string());
  ::testing::internal::CaptureStderr();
  error("run_failed", {{"run_id", "run_0123456789abcdef"},
                       {"team", "3"},
                       {"pipeline", "month_end"},
                       {"status", "failed"},
                       {"exit_code", 7},
                       {"error", "first line\nsecond line"},
                       {"message", "a field named like the journal's own"}});
  warn("retries_dropped", {{"count", 2}});
  info("run_started", {{"team", "general"}});
  debug("schedule_loaded");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // nothing doubled on stderr

  auto failed = journald.receive();
  EXPECT_EQ(one(failed, "PRIORITY"), "3");
  EXPECT_EQ(one(failed, "SYSLOG_IDENTIFIER"), "orchestrator");
  EXPECT_EQ(one(failed, "EVENT"), "run_failed");
  EXPECT_EQ(one(failed, "RUN_ID"), "run_0123456789abcdef");
  EXPECT_EQ(one(failed, "TEAM"), "3");
  EXPECT_EQ(one(failed, "PIPELINE"), "month_end");
  EXPECT_EQ(one(failed, "STATUS"), "failed");
  EXPECT_EQ(one(failed, "EXIT_CODE"), "7");
  EXPECT_EQ(one(failed, "ERROR"), "first line\nsecond line");  // the binary form
  EXPECT_EQ(one(failed, "ORCH_MESSAGE"), "a field named like the journal's own");
  EXPECT_TRUE(one(failed, "MESSAGE")
                  .starts_with("error run_failed run_id=run_0123456789abcdef team=3 "
                               "pipeline=month_end status=failed "
                               "exit_code=7 error="))
      << one(failed, "MESSAGE");
  EXPECT_EQ(one(journald.receive(), "PRIORITY"), "4");
  auto started = journald.receive();
  EXPECT_EQ(one(started, "PRIORITY"), "6");
  EXPECT_EQ(one(started, "TEAM"), "general");
  EXPECT_EQ(one(journald.receive(), "PRIORITY"), "7");
  EXPECT_TRUE(journald.empty());
}

TEST_F(JournalLogTest, WithoutAJournalListeningLinesGoToStderrWithAPriorityPrefix) {
  init(Level::kInfo, Format::kJournal, (dir_ / "nothing-here").string());
  ::testing::internal::CaptureStderr();
  error("run_failed", {{"run_id", "run_1"}, {"team", "3"}});
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "<3>error run_failed run_id=run_1 team=3\n");
}

TEST_F(JournalLogTest, AnEntryTooLargeForADatagramGoesToStderrWhole) {
  FakeJournald journald(dir_ / "socket");
  ASSERT_TRUE(journald.bound());
  init(Level::kInfo, Format::kJournal, (dir_ / "socket").string());
  const std::string huge(8 << 20, 'x');
  ::testing::internal::CaptureStderr();
  error("run_failed", {{"error", huge}});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "<3>error run_failed error=" + huge + "\n");
  EXPECT_TRUE(journald.empty());
}

TEST(JournalFieldName, CapitalisesKeysAndKeepsClearOfTheJournalsOwnFields) {
  EXPECT_EQ(journal_field_name("run_id"), "RUN_ID");
  EXPECT_EQ(journal_field_name("team"), "TEAM");
  EXPECT_EQ(journal_field_name("message"), "ORCH_MESSAGE");
  EXPECT_EQ(journal_field_name("priority"), "ORCH_PRIORITY");
  EXPECT_EQ(journal_field_name("syslog_identifier"), "ORCH_SYSLOG_IDENTIFIER");
  EXPECT_EQ(journal_field_name("code_file"), "ORCH_CODE_FILE");
  EXPECT_EQ(journal_field_name("2fa"), "ORCH_2FA");
  EXPECT_EQ(journal_field_name("a-b.c"), "A_B_C");
}

}  // namespace
}  // namespace orch::log
