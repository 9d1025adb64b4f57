// The stop sequence: what a SIGTERM or SIGINT (or a lost database file) sets going, on the loop's
// thread; the end of it (joining the workers, recording late ends) is in service.cpp.
// Part of Service::Impl.
#include "config/base/log.h"
#include "orchestrator/core/service_internal.h"
#include "orchestrator/core/systemd_notify.h"

namespace orch {
namespace asio = boost::asio;

namespace {

// At a stop, runs in progress get the shutdown grace to finish by themselves; one still running
// then gets SIGTERM, and SIGKILL this long after.
constexpr std::chrono::seconds kTermGrace{5};

}  // namespace

bool Service::Impl::is_stopping() {
  std::lock_guard lock(mutex);
  return stopping;
}

// No new runs; runs in progress get the shutdown grace to finish by themselves, then SIGTERM,
// then SIGKILL kTermGrace later, and are recorded `interrupted` by their workers (a scheduled
// one is run again by the next start, inside its grace). Slots still waiting for a worker are
// not recorded, so the next start catches them up if they are still inside the grace window.
// A second signal cuts the drain short. The loop keeps running until the workers are done, so
// that signals are still heard; the heartbeat keeps the draining runs alive meanwhile.
void Service::Impl::begin_stop(int signal) {
  const char* name = signal == 0 ? "none" : signal == SIGINT ? "SIGINT" : "SIGTERM";
  std::size_t dropped = 0;
  std::size_t running = 0;
  bool again = false;
  {
    std::lock_guard lock(mutex);
    again = stopping;
    stopping = true;
    last_turn.store(0);  // /readyz says "not ready" from the moment a stop begins
    dropped = queue.size();
    queue.clear();
    if (!retries.empty()) {
      log::warn("retries_dropped", {{"count", retries.size()},
                                    {"next_at", format_utc(retries.begin()->first)},
                                    {"effect", "made by the next start"}});
    }
    retries.clear();
    running = active.size();
    pipeline::StopRequest request;
    request.drain = again ? std::chrono::milliseconds::zero()
                          : std::chrono::duration_cast<std::chrono::milliseconds>(
                                config.scheduler.shutdown_grace);
    request.term_grace = kTermGrace;
    for (auto* stop : active) {
      stop->request_stop(request);
    }
  }
  work.notify_all();
  if (again) {
    log::info("stopping_now", {{"signal", name},
                               {"runs_in_progress", running},
                               {"effect", "runs in progress get SIGTERM now"}});
    wait_signals();
    return;
  }
  systemd_stopping();
  log::info("stopping", {{"signal", name},
                         {"runs_in_progress", running},
                         {"not_started", dropped},
                         {"grace_s", config.scheduler.shutdown_grace.count()}});
  wake_timer.cancel();
  control_timer.cancel();
  resume_timer.cancel();
  waiting_room.stop();  // waiting runs stay `waiting`: the next start takes them up
  wait_signals();
  drain_waiter = std::thread([this] {
    for (auto& worker : workers) {
      worker.join();
    }
    asio::post(io, [this] { io.stop(); });
  });
}

void Service::Impl::stop_database_lost() {
  exit_code = 4;
  begin_stop(0);
}

}  // namespace orch
