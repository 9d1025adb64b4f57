// `trigger` and `cancel`: run now and cancel through the live services, by way of the database.

#include <iostream>
#include <memory>

#include "orchestrator/cli/commands.h"
#include "orchestrator/core/audit_actor.h"
#include "orchestrator/core/remote_control.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

// Longer waits belong to a script's own loop; a request older than this is no one's any more.
constexpr int kMaxTimeoutSeconds = 300;

Status check_timeout(int seconds) {
  if (seconds < 1 || seconds > kMaxTimeoutSeconds) {
    return invalid_argument("--timeout " + std::to_string(seconds) +
                            ": use a whole number of seconds from 1 to " +
                            std::to_string(kMaxTimeoutSeconds));
  }
  return {};
}

// `trigger`: asks a live service to run the owner now (exit 5 when none takes it in time).
struct TriggerOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::optional<std::string> purchase_date;
  int timeout_seconds = 10;
};

// `cancel RUN_ID`: a waiting run at once; a running one through the service that runs it.
struct CancelOptions {
  std::string run_id;
  int timeout_seconds = 30;
};

int trigger(const config::Config& config, const TriggerOptions& options) {
  if (options.general == options.team.has_value()) {
    return fail(invalid_argument("trigger: give exactly one of --team ID or --general"));
  }
  if (Status ok = check_timeout(options.timeout_seconds); !ok) {
    return fail(ok.error());
  }
  TriggerRequest request;
  if (options.purchase_date) {
    auto parsed = parse_date(*options.purchase_date);
    if (!parsed) {
      return fail(invalid_argument("--purchase-date: " + parsed.error().message));
    }
    request.purchase_date = format_date(*parsed);
  }
  auto team_id = parse_team_option(options.team);
  if (!team_id) {
    return fail(team_id.error());
  }
  auto pipeline = parse_pipeline_option(config, options.pipeline);
  if (!pipeline) {
    return fail(pipeline.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  // Refused here rather than by the service: the caller learns at once what is wrong.
  if (auto resolved = team_to_run(**db, config, *team_id, *pipeline); !resolved) {
    return fail(resolved.error());
  }
  request.owner = RunOwner{*team_id, *pipeline};
  request.requested_by = cli_actor();
  auto answer = ask_to_run(**db, request, std::chrono::seconds(options.timeout_seconds));
  if (!answer) {
    return fail(answer.error());
  }
  switch (answer->outcome) {
    case TriggerOutcome::kStarted:
      std::cout << answer->run_id << "\n";
      return kExitOk;
    case TriggerOutcome::kBusy:
      return fail(failed_precondition(describe_owner(*team_id, *pipeline) +
                                      " already has a run in progress (" + answer->run_id.str() +
                                      "); nothing was started"));
    default:
      return fail(invalid_argument("the service refused the run: " + answer->error));
  }
}

int cancel(const config::Config& config, const CancelOptions& options) {
  if (!is_run_id(options.run_id)) {
    return fail(invalid_argument("cancel: '" + options.run_id +
                                 "' is not a run id (run_ and 16 hex digits, as `runs` shows)"));
  }
  if (Status ok = check_timeout(options.timeout_seconds); !ok) {
    return fail(ok.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto result = ask_to_cancel(**db, RunId(options.run_id), cli_actor(),
                              std::chrono::seconds(options.timeout_seconds));
  if (!result) {
    return fail(result.error());
  }
  const std::string& id = options.run_id;
  switch (result->found) {
    case CancelFound::kNotFound:
      return fail(not_found("cancel: no run " + id + " (see `orchestrator runs`)"));
    case CancelFound::kCancelled:
      std::cout << id << " cancelled (it was waiting; it will not start)\n";
      return kExitOk;
    case CancelFound::kEnded:
      return fail(failed_precondition("cancel: run " + id +
                                      " has already ended: " + to_string(result->status)));
    case CancelFound::kRequested:
      break;
  }
  if (result->status == RunStatus::kCancelled) {
    std::cout << id << " cancelled (its process group was stopped by " << result->instance << ")\n";
    return kExitOk;
  }
  if (result->status == RunStatus::kRunning) {
    return fail(Error{ErrorCode::kDeadlineExceeded,
                      "cancel: service " + result->instance + " was asked to stop run " + id +
                          ", which is still running after " +
                          std::to_string(options.timeout_seconds) +
                          " s (it stops the run when it next looks)"});
  }
  return fail(failed_precondition("cancel: run " + id + " ended " + to_string(result->status) +
                                  " before it could be cancelled"));
}

}  // namespace

void add_trigger_command(Command& app) {
  auto options = std::make_shared<TriggerOptions>();
  Command trigger_cmd = app.subcommand(
      "trigger", "Ask a live service to run one team (or the general run) now; print its run id");
  trigger_cmd.option("--team", options->team, "The team's id");
  trigger_cmd.flag("--general", options->general, "The general run");
  trigger_cmd.option("--pipeline", options->pipeline, "The pipeline (default daily)");
  trigger_cmd.option("--purchase-date", options->purchase_date,
                     "YYYY-MM-DD (default: from the run date)");
  trigger_cmd.option("--timeout", options->timeout_seconds,
                     "Seconds to wait for a live service to take it (default 10)");
  trigger_cmd.runs([options](const Invocation& in) { return trigger(in.config, *options); });
}

void add_cancel_command(Command& app) {
  auto options = std::make_shared<CancelOptions>();
  Command cancel_cmd = app.subcommand(
      "cancel", "Cancel a run: a waiting one at once, a running one through its service");
  cancel_cmd.option("run_id", options->run_id, "The run's id").required();
  cancel_cmd.option("--timeout", options->timeout_seconds,
                    "Seconds to wait for the run to stop (default 30)");
  cancel_cmd.runs([options](const Invocation& in) { return cancel(in.config, *options); });
}

}  // namespace orch::cli
