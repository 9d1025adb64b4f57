#include "orchestrator/core/systemd_notify.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include <systemd/sd-daemon.h>

namespace orch {
namespace {

// The unit's watchdog interval (WATCHDOG_USEC, for this process), zero without one. Read once:
// the variables do not change while the service runs.
std::chrono::microseconds watchdog_interval() {
  static std::once_flag once;
  static std::chrono::microseconds interval{0};
  std::call_once(once, [] {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) {
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
  (void)sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str());
}

void systemd_stopping() {
  (void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
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
  (void)sd_notify(0, "WATCHDOG=1");
}

}  // namespace orch
