#include "orchestrator/core/remote_control.h"

#include <thread>

#include <nlohmann/json.hpp>

#include "config/base/clock.h"
#include "config/base/log.h"

namespace orch {
namespace {

// How often a waiting requester reads its row: a live service takes a request at its next control
// poll, which turns more slowly than this, so the answer comes quickly at one small read a tick.
constexpr std::chrono::milliseconds kPollEvery{20};

using Steady = std::chrono::steady_clock;

// "team:7", "general", and "/pipeline:NAME" for any pipeline but daily: the audit log's targets.
std::string audit_target(const RunOwner& owner) {
  std::string target =
      owner.team ? "team:" + std::to_string(owner.team->value) : std::string("general");
  if (owner.pipeline != kDefaultPipeline) {
    target += "/pipeline:" + owner.pipeline;
  }
  return target;
}

// The action happened whatever the audit log says: a failure to record it is logged, not
// returned.
void audit(Database& db, const std::string& actor, const std::string& action,
           const std::string& target, std::optional<std::string> before,
           std::optional<std::string> after) {
  AuditEntry entry;
  entry.at = SystemClock().now();
  entry.actor = actor;
  entry.action = action;
  entry.target = target;
  entry.before = std::move(before);
  entry.after = std::move(after);
  if (auto recorded = db.audit().record(entry); !recorded) {
    log::warn("audit_not_recorded",
              {{"action", action}, {"target", target}, {"reason", recorded.error().message}});
  }
}

Error no_service_took(std::chrono::milliseconds timeout) {
  return Error{ErrorCode::kDeadlineExceeded,
               "no live service took the request within " + std::to_string(timeout.count() / 1000) +
                   " s: is `orchestrator serve` running on this database?"};
}

// The request's answer, once a service settled it; a run it started is written to the audit log
// (not when the request was a replay of an earlier one).
TriggerAnswer settled_answer(Database& db, const TriggerRequest& request, const TriggerRequest& row,
                             TriggerAnswer answer) {
  answer.outcome = row.outcome;
  answer.run_id = row.run_id;
  answer.error = row.error;
  if (row.outcome == TriggerOutcome::kStarted && !answer.replayed) {
    nlohmann::json after = {{"run_id", row.run_id.str()}, {"pipeline", row.owner.pipeline}};
    if (row.purchase_date) {
      after["purchase_date"] = *row.purchase_date;
    }
    if (row.idempotency_key) {
      after["idempotency_key"] = *row.idempotency_key;
    }
    audit(db, request.requested_by, "run.trigger", audit_target(row.owner), std::nullopt,
          after.dump());
  }
  return answer;
}

// The deadline passed with the request not taken: it is withdrawn, so that no service takes it
// later, and the answer is that no service runs. Success: it was taken meanwhile.
Status withdraw(Database& db, std::int64_t id, std::chrono::milliseconds timeout) {
  auto withdrawn = db.control().withdraw_request(id);
  if (!withdrawn) {
    return withdrawn.error();
  }
  if (*withdrawn) {
    return no_service_took(timeout);
  }
  return {};
}

// Submits the request (a replay of an earlier one with the same idempotency key is not added
// again) and tells the services to look; returns its id.
Result<std::int64_t> submit(Database& db, const TriggerRequest& request, TriggerAnswer& answer) {
  TriggerRequest asked = request;
  asked.created_at = SystemClock().now();
  auto submitted = db.control().submit(asked);
  if (!submitted) {
    return submitted.error();
  }
  answer.replayed = !submitted->added;
  if (submitted->added) {
    if (Status bumped = db.control().bump_generation(); !bumped) {
      return bumped.error();
    }
  }
  return submitted->request.id;
}

}  // namespace

Result<TriggerAnswer> ask_to_run(Database& db, const TriggerRequest& request,
                                 std::chrono::milliseconds timeout) {
  TriggerAnswer answer;
  auto id = submit(db, request, answer);
  if (!id) {
    return id.error();
  }
  // Taken within `timeout`; once taken, the service answers as soon as a worker claims the run,
  // which may wait for a free worker: as long again.
  auto deadline = Steady::now() + timeout;
  bool withdrawn_tried = false;
  while (true) {
    auto found = db.control().find_request(*id);
    if (!found) {
      return found.error();
    }
    if (!*found) {
      return internal_error("request " + std::to_string(*id) + " vanished");
    }
    const TriggerRequest& row = **found;
    if (row.outcome == TriggerOutcome::kWithdrawn && !answer.replayed) {
      return no_service_took(timeout);
    }
    if (row.outcome != TriggerOutcome::kPending) {
      return settled_answer(db, request, row, answer);
    }
    if (Steady::now() >= deadline) {
      if (row.claimed_by || withdrawn_tried) {
        return Error{ErrorCode::kDeadlineExceeded,
                     "service " + row.claimed_by.value_or("?") +
                         " took the request but has not started its run yet (request " +
                         std::to_string(*id) + ")"};
      }
      withdrawn_tried = true;
      if (Status waits = withdraw(db, *id, timeout); !waits) {
        return waits.error();
      }
      deadline = Steady::now() + timeout;  // taken meanwhile: its run id comes soon
      continue;
    }
    if (row.claimed_by && !withdrawn_tried) {
      withdrawn_tried = true;  // taken: it will not be withdrawn; give its worker the time
      deadline = std::max(deadline, Steady::now() + timeout);
    }
    std::this_thread::sleep_for(kPollEvery);
  }
}

Result<CancelResult> ask_to_cancel(Database& db, const RunId& run_id, const std::string& by,
                                   std::chrono::milliseconds wait) {
  const std::string why = "cancelled by " + by;
  auto result = db.control().request_cancel(run_id, why, SystemClock().now());
  if (result && result->found == CancelFound::kCancelled) {
    audit(db, by, "run.cancel", "run:" + run_id.str(), R"({"status":"waiting"})",
          R"({"status":"cancelled"})");
  }
  if (!result || result->found != CancelFound::kRequested) {
    return result;
  }
  audit(db, by, "run.cancel", "run:" + run_id.str(), R"({"status":"running"})",
        R"({"status":"cancel_requested"})");
  if (Status bumped = db.control().bump_generation(); !bumped) {
    return bumped.error();
  }
  auto deadline = Steady::now() + wait;
  while (Steady::now() < deadline) {
    std::this_thread::sleep_for(kPollEvery);
    auto run = db.runs().find(run_id);
    if (!run) {
      return run.error();
    }
    if (*run && (*run)->status != RunStatus::kRunning) {
      result->status = (*run)->status;
      break;
    }
  }
  return result;
}

}  // namespace orch
