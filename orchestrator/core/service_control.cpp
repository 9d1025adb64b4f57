// The control and the signals: the loop looks at the control state (runs asked for through the
// database, cancels, a `reschedule`) as soon as the database's control bell rings, and every
// kControlPoll in case a ring was lost; each look feeds the watchdog. SIGHUP reloads, SIGTERM and
// SIGINT begin the stop. Part of Service::Impl; runs on the loop's thread, but for the thread that
// hears the bell and hands each ring to the loop.
#include <algorithm>
#include <chrono>

#include "config/base/log.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/core/systemd_notify.h"

namespace orch {

namespace {

// How often the loop looks at the control state without a ring: what covers a ring lost (a
// PostgreSQL connection that dropped, a database file that cannot be watched), and the turn that
// /readyz and the watchdog see. Well under the 10 s after which /readyz says the loop is stuck.
constexpr std::chrono::milliseconds kControlPoll{5000};

}  // namespace

void Service::Impl::poll_control() {
  last_turn.store(std::chrono::steady_clock::now().time_since_epoch().count());
  // Under a systemd watchdog shorter than the poll, the loop turns four times per interval, so
  // that it feeds the watchdog every half interval (systemd_watchdog() sends no more often).
  auto every = kControlPoll;
  if (auto watchdog = systemd_watchdog_interval(); watchdog.count() > 0) {
    every = std::min(every, std::chrono::duration_cast<std::chrono::milliseconds>(watchdog / 4));
  }
  control_timer.expires_after(every);
  control_timer.async_wait([this](const boost::system::error_code& ec) {
    // A turn already due when a stop began must not turn again: not ready stays not ready.
    if (ec || is_stopping()) {
      return;
    }
    look_at_control();
    poll_control();
  });
}

void Service::Impl::look_at_control() {
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
}

void Service::Impl::hear_control_bell() {
  control_listener = db.listen_for_control();
  control_hearing = std::thread([this] {
    for (;;) {
      // The periodic look is the control timer's; this thread only wakes to listen again.
      auto wake = control_listener->wait(std::chrono::minutes(1));
      if (wake == ControlListener::Wake::kStopped) {
        return;
      }
      // Rings while the loop is busy collapse into one look.
      if (wake == ControlListener::Wake::kRang && !control_look_posted.exchange(true)) {
        boost::asio::post(io, [this] {
          control_look_posted = false;
          if (!is_stopping()) {
            look_at_control();
          }
        });
      }
    }
  });
}

void Service::Impl::stop_hearing_control_bell() {
  if (control_listener) {
    control_listener->stop();
  }
  if (control_hearing.joinable()) {
    control_hearing.join();
  }
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
