#pragma once

// The service's side of systemd's notification protocol (Type=notify, WatchdogSec=). Every call
// is a no-op when the process was not started by systemd with a notification socket.

#include <chrono>
#include <string>

namespace orch {

// READY=1: the schedule is loaded and the service runs; `status` shows in `systemctl status`.
void systemd_ready(const std::string& status);

// STOPPING=1: a graceful stop has begun.
void systemd_stopping();

// WATCHDOG=1, at most once per half of the unit's watchdog interval: cheap to call from a loop
// that turns often. Thread-safe.
void systemd_watchdog();

// The unit's watchdog interval (WatchdogSec=, for this process); zero without one. A loop that
// feeds the watchdog must turn well within half of it.
std::chrono::microseconds systemd_watchdog_interval();

}  // namespace orch
