#include <iostream>
#include <memory>

#include "config/base/clock.h"
#include "config/base/log.h"
#include "config/base/terminal_text.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/foreground_runs.h"
#include "orchestrator/cli/team_setup.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/service.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

void print_outcome(const RunOutcome& outcome, const RunTarget& target) {
  const RunRecord& r = outcome.record;
  std::cout << "run_id: " << r.run_id << "\n";
  std::cout << "status: " << to_string(r.status) << "\n";
  std::cout << "team: " << (target.team ? std::to_string(target.team->value) : "general") << " ("
            << escape_controls(target.name) << ")\n";
  if (target.pipeline != kDefaultPipeline) {
    std::cout << "pipeline: " << target.pipeline << "\n";
  }
  std::cout << "run_date: " << format_date(r.run_date) << "\n";
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
    std::cout << "error: " << escape_controls(r.error) << "\n";
  }
  if (!r.log_path.empty()) {
    std::cout << "log: " << escape_controls(r.log_path) << "\n";
  }
}

struct RunOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::optional<std::string> purchase_date;
  bool force = false;  // run even when pipeline.skip_unchanged finds nothing new
};

// The exit code of a run that ended, its outcome printed.
int exit_code(const TeamSetup& setup, const Result<RunOutcome>& outcome, bool end_kept,
              RunExecutor& executor) {
  if (auto in_place = setup.db->verify_location(); !in_place) {
    return fail(unavailable(in_place.error().message + ": the run was recorded in the lost file"));
  }
  if (!outcome) {
    return fail(outcome.error());
  }
  if (outcome->claim == ClaimOutcome::kTeamBusy) {
    return fail(failed_precondition(describe_owner(setup.team, setup.pipeline) +
                                    " already has a run in progress (" +
                                    outcome->busy_run_id.str() + "); nothing was started"));
  }
  if (end_kept) {
    std::cerr << "error: the database did not take the run's end ("
              << to_string(outcome->record.status) << "): it is kept in "
              << executor.pending_ends().dir().string()
              << " and recorded by the next orchestrator serve or run\n";
    return kExitDatabase;
  }
  // Skipped (nothing new, or its condition said so) is not a failure.
  const RunStatus status = outcome->record.status;
  return status == RunStatus::kCompleted || status == RunStatus::kSkipped ? kExitOk
                                                                          : kExitRunFailed;
}

int run_now(const config::Config& config, TeamSetup& setup, const RunOptions& options,
            std::optional<Date> purchase) {
  SystemClock clock;
  // Ctrl-C or SIGTERM stops the pipeline like a service shutdown does.
  ForegroundRuns foreground(config, *setup.db, clock);
  RunExecutor& executor = foreground.executor();

  // Ends kept by an earlier process are the truth about runs that would otherwise look busy or
  // abandoned: they are recorded first.
  if (executor.adopt_pending_ends() > 0) {
    executor.record_deferred_ends();
  }
  RunRequest request;
  request.target = setup.target;
  request.trigger = Trigger::kManual;
  request.purchase_date = purchase;
  request.force = options.force;
  auto outcome = executor.execute(request, foreground.stop());

  foreground.finish();
  // One more try; an end the database still does not take is kept, never lost, and this command
  // does not claim the run was recorded.
  const bool end_kept = outcome && outcome->end_kept && executor.record_deferred_ends() > 0;
  // The outcome is printed first: the deliveries' grace must not hold back the answer.
  if (outcome && outcome->claim != ClaimOutcome::kTeamBusy) {
    print_outcome(*outcome, setup.target);
    std::cout.flush();
  }
  foreground.notifier().flush();
  return exit_code(setup, outcome, end_kept, executor);
}

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
  // The run's and heartbeat's connections, and the two delivery threads'.
  auto setup = set_up_team(config, {options.team, options.pipeline, std::nullopt, 4,
                                    Database::OpenMode::kCreateIfMissing});
  if (!setup) {
    return fail(setup.error());
  }
  return run_now(config, *setup, options, purchase);
}

}  // namespace

void add_run_command(Command& app) {
  auto options = std::make_shared<RunOptions>();
  Command run_cmd = app.subcommand("run", "Run one team (or the general run) now");
  run_cmd.option("--team", options->team, "The team's id");
  run_cmd.flag("--general", options->general, "The general run (no team)");
  run_cmd.option("--pipeline", options->pipeline, "The pipeline to run (default: daily)");
  run_cmd.option("--purchase-date", options->purchase_date,
                 "YYYY-MM-DD instead of the computed one");
  run_cmd.flag("--force", options->force,
               "Run even when pipeline.skip_unchanged finds the inputs unchanged");
  run_cmd.runs([options](const Invocation& in) { return run(in.config, *options); },
               Isolation::kSettled);
}

}  // namespace orch::cli
