#include <signal.h>

#include <iostream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/base/clock.h"
#include "config/base/log.h"
#include "notify/notifier.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/service.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

void print_outcome(const RunOutcome& outcome, const RunTarget& target) {
  const RunRecord& r = outcome.record;
  std::cout << "run_id: " << r.run_id << "\n";
  std::cout << "status: " << to_string(r.status) << "\n";
  std::cout << "team: " << (target.team ? std::to_string(target.team->value) : "general")
            << " (" << target.name << ")\n";
  std::cout << "run_date: " << r.run_date << "\n";
  std::cout << "purchase_date: " << r.purchase_date << "\n";
  if (r.total_loans) {
    std::cout << "total_loans: " << *r.total_loans << "\n";
  }
  if (r.exceptions_count) {
    std::cout << "exceptions_count: " << *r.exceptions_count << "\n";
  }
  if (r.exit_code) {
    std::cout << "exit_code: " << *r.exit_code << "\n";
  }
  if (r.duration_ms) {
    std::cout << "duration_ms: " << *r.duration_ms << "\n";
  }
  if (!r.error.empty()) {
    std::cout << "error: " << r.error << "\n";
  }
  if (!r.log_path.empty()) {
    std::cout << "log: " << r.log_path << "\n";
  }
}

}  // namespace

int run(const config::Config& config, const RunOptions& options) {
  if (options.general == options.team.has_value()) {
    return fail(invalid_argument("run: give exactly one of --team ID or --general"));
  }
  std::optional<Date> purchase;
  if (options.purchase_date) {
    auto parsed = parse_date(*options.purchase_date);
    if (!parsed) {
      return fail(invalid_argument("--purchase-date: " + parsed.error().message));
    }
    purchase = *parsed;
  }
  auto team_id = parse_team_option(options.team);
  if (!team_id) {
    return fail(team_id.error());
  }
  if (auto plugin = load_notify_plugin(config); !plugin) {
    return fail(plugin.error());
  }
  // The run's and heartbeat's connections, and the two delivery threads'.
  auto db = open_database(config, 4);
  if (!db) {
    return fail(db.error());
  }
  auto resolved = team_to_run(**db, config, *team_id);
  if (!resolved) {
    return fail(resolved.error());
  }

  SystemClock clock;
  auto notifier = notify::make_notifier(config, &(*db)->notifications(), clock);
  auto launcher = pipeline::make_posix_process_launcher();
  std::string instance = this_instance();
  RunExecutor executor(config, (*db)->runs(), *launcher, *notifier, clock, instance);

  // Ctrl-C or SIGTERM stops the pipeline like a service shutdown does: the run is recorded
  // `interrupted`, never left `running`.
  pipeline::StopSignal stop;
  boost::asio::io_context signal_io;
  boost::asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) {
      stop.request_stop(std::chrono::duration_cast<std::chrono::milliseconds>(
          config.scheduler.shutdown_grace));
    }
  });
  std::thread signal_thread([&] { signal_io.run(); });
  Heartbeat heartbeat(heartbeat_interval(config.scheduler.heartbeat_timeout),
                      [&] { (void)(*db)->runs().heartbeat(executor.live_run_ids(), clock.now()); });

  RunRequest request;
  request.target = resolved->target;
  request.trigger = Trigger::kManual;
  request.purchase_date = purchase;
  auto outcome = executor.execute(request, stop);

  heartbeat.stop();
  if (outcome && executor.record_deferred_ends() > 0) {
    std::cerr << "warning: the database is unavailable: the run's end is kept in "
              << executor.pending_ends().dir().string()
              << " and recorded by the next `orchestrator serve`\n";
  }
  signal_io.stop();
  signal_thread.join();
  // The outcome is printed first: the deliveries' grace must not hold back the answer.
  if (outcome && outcome->claim != ClaimOutcome::kTeamBusy) {
    print_outcome(*outcome, resolved->target);
    std::cout.flush();
  }
  notifier->flush();
  if (!outcome) {
    return fail(outcome.error());
  }
  if (outcome->claim == ClaimOutcome::kTeamBusy) {
    return fail(failed_precondition(describe_team(*team_id) + " already has a run in progress (" +
                                    outcome->busy_run_id + "); nothing was started"));
  }
  return outcome->record.status == RunStatus::kCompleted ? kExitOk : kExitRunFailed;
}

}  // namespace orch::cli
