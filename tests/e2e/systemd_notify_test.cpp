// Type=notify: the service tells systemd READY=1 once its schedule is loaded, feeds the watchdog
// from its loop, and says STOPPING=1 at a stop; all through the socket NOTIFY_SOCKET names, as
// systemd would give it (here a datagram socket of the test's own).
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

// A datagram socket at a path, or in the abstract namespace for a name starting with '@' (as
// systemd writes such an address in NOTIFY_SOCKET).
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& address) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), std::min(address.size(), sizeof(addr.sun_path) - 1));
    socklen_t length = sizeof(addr);
    if (address.starts_with("@")) {
      addr.sun_path[0] = '\0';
      length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size());
    }
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }

  // The next message, or "" when none came within `timeout` (scaled).
  std::string next(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(scaled(timeout).count())) != 1) {
      return "";
    }
    char buffer[4096];
    auto n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }

  // Messages until one holds `text` (returned), or "" at the deadline.
  std::string until(const std::string& text, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
    while (std::chrono::steady_clock::now() < deadline) {
      auto message = next(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (message.find(text) != std::string::npos) {
        return message;
      }
    }
    return "";
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST_F(E2eTest, ServiceNotifiesSystemdReadyWatchdogAndStopping) {
  NotifySocket socket((dir_ / "notify.sock").string());
  ASSERT_TRUE(socket.bound());
  add_team(1, "North");
  auto service =
      serve({{"NOTIFY_SOCKET", (dir_ / "notify.sock").string()}, {"WATCHDOG_USEC", "300000"}});
  auto ready = socket.until("READY=1", std::chrono::seconds(20));
  ASSERT_NE(ready, "") << service->output();
  // Sent after the schedule was loaded and the ready line written.
  EXPECT_NE(service->output().find("schedule_loaded"), std::string::npos) << service->output();
  EXPECT_NE(service->output().find(" ready "), std::string::npos) << service->output();
  EXPECT_NE(ready.find("STATUS=ready: 1 schedules"), std::string::npos) << ready;

  // Fed at most every half interval (150 ms) and at least once per interval: five in 2 s.
  int fed = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < until) {
    if (socket.next(std::chrono::milliseconds(400)) == "WATCHDOG=1") {
      ++fed;
    }
  }
  EXPECT_GE(fed, 5);
  EXPECT_LE(fed, 14);

  service->send_signal(SIGTERM);
  EXPECT_NE(socket.until("STOPPING=1", std::chrono::seconds(10)), "") << service->output();
  EXPECT_EQ(service->wait(std::chrono::seconds(20)), 0) << service->output();
}

// systemd may name an abstract socket ('@' for the leading NUL); the watchdog variables are the
// service's only when WATCHDOG_PID, if set, is its own pid: a child that inherited them from a
// supervised parent must not feed the parent's watchdog.
TEST_F(E2eTest, ServiceNotifiesAnAbstractSocketAndLeavesAWatchdogMeantForAnotherProcess) {
  const std::string address = "@orchestrator-test-" + std::to_string(::getpid());
  NotifySocket socket(address);
  ASSERT_TRUE(socket.bound());
  add_team(1, "North");
  auto service = serve({{"NOTIFY_SOCKET", address},
                        {"WATCHDOG_USEC", "200000"},
                        {"WATCHDOG_PID", std::to_string(::getpid())}});
  ASSERT_NE(socket.until("READY=1", std::chrono::seconds(20)), "") << service->output();
  // A second at a 200 ms watchdog would bring five feeds; the watchdog is another process's.
  EXPECT_EQ(socket.until("WATCHDOG=1", std::chrono::seconds(1)), "") << service->output();
  service->send_signal(SIGTERM);
  EXPECT_NE(socket.until("STOPPING=1", std::chrono::seconds(10)), "") << service->output();
  EXPECT_EQ(service->wait(std::chrono::seconds(20)), 0) << service->output();
}

}  // namespace
}  // namespace orch::testing
