#include "orchestrator/core/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

#include "config/base/owned_fd.h"

// systemd's notification protocol, spoken directly rather than through libsystemd's sd_notify():
// one datagram of "NAME=value" lines to the socket $NOTIFY_SOCKET names. systemd keeps the
// protocol stable as the interface and invites services to speak it themselves (sd_notify(3),
// "Standalone Implementations"); libsystemd would map itself and its compression and crypto
// libraries into every service for these few lines.

namespace orch {
namespace {

// An environment variable systemd set for us, "" when unset.
std::string_view environment(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): nobody calls setenv
  return value == nullptr ? std::string_view{} : std::string_view(value);
}

// $NOTIFY_SOCKET as a socket address: a path, or '@' for the abstract namespace. False when the
// variable is unset or empty (not started by systemd with Type=notify) or names something else
// (systemd's vsock addresses, for services in virtual machines, are not spoken here).
bool notification_address(sockaddr_un& address, socklen_t& length) {
  const std::string_view name = environment("NOTIFY_SOCKET");
  if (name.size() < 2 || name.size() >= sizeof(address.sun_path) ||
      (name.front() != '/' && name.front() != '@')) {
    return false;
  }
  address = sockaddr_un{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, name.data(), name.size());
  if (name.front() == '@') {
    // An abstract name: a leading NUL and no terminating one; the length says where it ends.
    address.sun_path[0] = '\0';
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
  } else {
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
  }
  return true;
}

// One state change to systemd; quietly nothing outside systemd or when it does not listen, as
// sd_notify() does (the service runs the same either way).
void notify(std::string_view state) {
  sockaddr_un address{};
  socklen_t length = 0;
  if (!notification_address(address, length)) {
    return;
  }
  const OwnedFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return;
  }
  (void)::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&address),  // NOLINT: the sockets API
                 length);
}

// A variable's value as a positive integer, or 0 when unset or not one.
std::uint64_t positive_variable(const char* name) {
  const std::string_view value = environment(name);
  std::uint64_t number = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  return error == std::errc{} && end == value.data() + value.size() ? number : 0;
}

// The unit's watchdog interval (WATCHDOG_USEC), zero without one or when WATCHDOG_PID names
// another process (the variables were inherited, not meant for us). Read once: they do not
// change while the service runs.
std::chrono::microseconds watchdog_interval() {
  static std::once_flag once;
  static std::chrono::microseconds interval{0};
  std::call_once(once, [] {
    const std::uint64_t usec = positive_variable("WATCHDOG_USEC");
    const bool ours = environment("WATCHDOG_PID").empty() ||
                      positive_variable("WATCHDOG_PID") == static_cast<std::uint64_t>(::getpid());
    if (usec > 0 && ours) {
      interval = std::chrono::microseconds(usec);
    }
  });
  return interval;
}

}  // namespace

std::chrono::microseconds systemd_watchdog_interval() {
  return watchdog_interval();
}

void systemd_ready(const std::string& status) {
  notify("READY=1\nSTATUS=" + status);
}

void systemd_stopping() {
  notify("STOPPING=1\nSTATUS=stopping");
}

void systemd_watchdog() {
  const auto interval = watchdog_interval();
  if (interval.count() == 0) {
    return;
  }
  // Half the interval, as sd_watchdog_enabled(3) advises, so one late turn of the loop is not
  // a kill.
  static std::atomic<std::int64_t> last_fed{0};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_fed.load();
  if (now - last < interval.count() / 2 || !last_fed.compare_exchange_strong(last, now)) {
    return;
  }
  notify("WATCHDOG=1");
}

}  // namespace orch
