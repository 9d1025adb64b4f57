#include "orchestrator/core/control_desk.h"

#include <utility>

#include "config/base/log.h"
#include "orchestrator/core/team_schedules.h"

namespace orch {
namespace {

// SIGTERM, then SIGKILL this long after, for a cancelled run: what a timeout gives a pipeline.
constexpr std::chrono::seconds kCancelTermGrace{5};

}  // namespace

ControlDesk::ControlDesk(const config::Config& config, Database& db, RunExecutor& executor,
                         const Clock& clock, std::string instance, Enqueue run)
    : config_(config),
      db_(db),
      executor_(executor),
      clock_(clock),
      instance_(std::move(instance)),
      enqueue_(std::move(run)) {}

bool ControlDesk::asked() {
  auto generation = db_.control().generation();
  if (!generation || *generation == seen_generation_) {
    return false;
  }
  seen_generation_ = *generation;
  return true;
}

Result<RunRequest> ControlDesk::to_run(const TriggerRequest& request) const {
  std::optional<Team> team;
  if (request.owner.team) {
    auto found = db_.teams().find(*request.owner.team);
    if (!found) {
      return found.error();
    }
    if (!found->has_value()) {
      return not_found(describe_team(request.owner.team) + " does not exist");
    }
    team = **found;
  }
  auto index = pipeline_index(config_, request.owner.pipeline);
  if (!index) {
    return invalid_argument("pipeline '" + request.owner.pipeline +
                            "' is not configured (the configuration has " +
                            config_.pipeline_names() + ")");
  }
  auto resolved = resolve_team(team, *index, config_, SysTime{});
  if (!resolved) {
    return resolved.error();
  }
  RunRequest run;
  run.target = std::move(resolved->target);
  run.trigger = Trigger::kManual;
  if (request.purchase_date) {
    auto purchase = parse_date(*request.purchase_date);
    if (!purchase) {
      return invalid_argument("purchase_date: " + purchase.error().message);
    }
    run.purchase_date = *purchase;
  }
  return run;
}

void ControlDesk::take_requests() {
  auto pending = db_.control().pending_requests(clock_.now() - kTriggerRequestLifetime);
  if (!pending) {
    log::warn("run_requests_not_read", {{"reason", pending.error().message}});
    return;
  }
  for (const TriggerRequest& request : *pending) {
    auto taken = db_.control().claim_request(request.id, instance_);
    if (!taken || !*taken) {
      continue;  // another replica was first, or the requester gave up
    }
    const std::int64_t id = request.id;
    auto run = to_run(request);
    if (!run) {
      (void)db_.control().settle_request(id, TriggerOutcome::kRefused, RunId(),
                                         run.error().message);
      continue;
    }
    log::info("run_requested", {{"request", id},
                                {"team", describe_team(run->target.team)},
                                {"pipeline", run->target.pipeline},
                                {"by", request.requested_by}});
    // The requester waits for the run's id, not for its end.
    run->on_claim = [this, id](const RunOutcome& outcome) {
      const bool busy = outcome.claim == ClaimOutcome::kTeamBusy;
      Status settled =
          db_.control().settle_request(id, busy ? TriggerOutcome::kBusy : TriggerOutcome::kStarted,
                                       busy ? outcome.busy_run_id : outcome.record.run_id, "");
      if (!settled) {
        log::warn("run_request_not_settled",
                  {{"request", id}, {"reason", settled.error().message}});
      }
    };
    run->on_failure = [this, id](const Error& error) {
      (void)db_.control().settle_request(id, TriggerOutcome::kRefused, RunId(), error.message);
    };
    if (!enqueue_(std::move(*run))) {
      (void)db_.control().settle_request(id, TriggerOutcome::kRefused, RunId(),
                                         "the service " + instance_ + " is stopping");
    }
  }
}

void ControlDesk::apply_cancels() {
  auto asked = db_.control().cancel_requested(instance_);
  if (!asked) {
    return;  // an outage is logged by the store; the next look finds them
  }
  for (const RunControl::CancelAsked& run : *asked) {
    if (executor_.cancel(run.run_id, run.why, kCancelTermGrace)) {
      log::info("run_cancelling", {{"run_id", run.run_id}, {"reason", run.why}});
    }
  }
}

}  // namespace orch
