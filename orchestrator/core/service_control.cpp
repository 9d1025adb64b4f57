// The control poll and the signals: every turn the loop takes runs asked for through the
// database, applies cancels and a `reschedule`, and feeds the watchdog; SIGHUP reloads, SIGTERM
// and SIGINT begin the stop. Part of Service::Impl; runs on the loop's thread only.
#include "config/base/log.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/core/systemd_notify.h"

namespace orch {

namespace {

// How often the loop looks for a `reschedule` (one small read), so that a reschedule is applied
// soon after the command.
constexpr std::chrono::milliseconds kControlPoll{50};

}  // namespace

void Service::Impl::poll_control() {
  last_turn.store(std::chrono::steady_clock::now().time_since_epoch().count());
  control_timer.expires_after(kControlPoll);
  control_timer.async_wait([this](const boost::system::error_code& ec) {
    // A turn already due when a stop began must not turn again: not ready stays not ready.
    if (ec || is_stopping()) {
      return;
    }
    systemd_watchdog();  // the loop turns: fed at most every half watchdog interval
    if (desk.asked()) {
      desk.take_requests();
      desk.apply_cancels();
    }
    auto generation = db.registry().generation();
    if (generation && *generation != applied_generation) {
      if (reload("reschedule")) {
        applied_generation = *generation;
        acknowledge();
      }
    }
    poll_control();
  });
}

void Service::Impl::acknowledge() {
  if (auto ack = db.registry().acknowledge(instance, applied_generation); !ack) {
    log::warn("reschedule_not_acknowledged", {{"reason", ack.error().message}});
  }
}

void Service::Impl::wait_signals() {
  signals.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    if (signal == SIGHUP) {
      auto generation = db.registry().generation();
      if (reload("SIGHUP") && generation) {
        applied_generation = *generation;
        acknowledge();
      }
      wait_signals();
      return;
    }
    begin_stop(signal);
  });
}

}  // namespace orch
