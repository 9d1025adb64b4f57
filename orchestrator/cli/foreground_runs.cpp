#include "orchestrator/cli/foreground_runs.h"

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "orchestrator/core/heartbeat.h"
#include "pipeline/process_launcher.h"

namespace orch::cli {

struct ForegroundRuns::Impl {
  Impl(const config::Config& config, Database& db, const Clock& clock)
      : notifier(notify::make_notifier(config, &db.notifications(), clock)),
        launcher(pipeline::make_posix_process_launcher()),
        executor(config, db.runs(), *launcher, *notifier, clock, this_instance()),
        signals(signal_io, SIGINT, SIGTERM),
        heartbeat(heartbeat_interval(config.scheduler.heartbeat_timeout), [this, &db, &clock] {
          (void)db.runs().heartbeat(executor.live_run_ids(), clock.now());
        }) {
    // Someone at the terminal wants the run stopped now: SIGTERM at once, SIGKILL after the grace
    // (a service's stop, by contrast, lets runs finish first).
    pipeline::StopRequest request;
    request.term_grace =
        std::chrono::duration_cast<std::chrono::milliseconds>(config.scheduler.shutdown_grace);
    signals.async_wait([this, request](const boost::system::error_code& ec, int) {
      if (!ec) {
        stop.request_stop(request);
      }
    });
    signal_thread = std::thread([this] { signal_io.run(); });
  }

  std::unique_ptr<notify::Notifier> notifier;
  std::unique_ptr<pipeline::ProcessLauncher> launcher;
  RunExecutor executor;
  pipeline::StopSignal stop;
  boost::asio::io_context signal_io;
  boost::asio::signal_set signals;
  std::thread signal_thread;
  Heartbeat heartbeat;
  bool finished = false;
};

ForegroundRuns::ForegroundRuns(const config::Config& config, Database& db, const Clock& clock)
    : impl_(std::make_unique<Impl>(config, db, clock)) {}

ForegroundRuns::~ForegroundRuns() {
  finish();
}

RunExecutor& ForegroundRuns::executor() {
  return impl_->executor;
}

pipeline::StopSignal& ForegroundRuns::stop() {
  return impl_->stop;
}

notify::Notifier& ForegroundRuns::notifier() {
  return *impl_->notifier;
}

void ForegroundRuns::finish() {
  if (impl_->finished) {
    return;
  }
  impl_->finished = true;
  impl_->heartbeat.stop();
  impl_->signal_io.stop();
  impl_->signal_thread.join();
}

}  // namespace orch::cli
