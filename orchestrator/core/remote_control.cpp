#include "orchestrator/core/remote_control.h"

#include <thread>

#include "config/base/clock.h"

namespace orch {
namespace {

// How often a waiting requester reads its row: a live service takes a request within its 50 ms
// control poll, so this keeps the answer quick at one small read per tick.
constexpr std::chrono::milliseconds kPollEvery{20};

using Steady = std::chrono::steady_clock;

}  // namespace

Result<TriggerAnswer> ask_to_run(Database& db, const TriggerRequest& request,
                                 std::chrono::milliseconds timeout) {
  TriggerRequest asked = request;
  asked.created_at = SystemClock().now();
  auto submitted = db.control().submit(asked);
  if (!submitted) {
    return submitted.error();
  }
  TriggerAnswer answer;
  answer.replayed = !submitted->added;
  const std::int64_t id = submitted->request.id;
  if (submitted->added) {
    if (Status bumped = db.control().bump_generation(); !bumped) {
      return bumped.error();
    }
  }
  // Taken within `timeout`; once taken, the service answers as soon as a worker claims the run,
  // which may wait for a free worker: as long again.
  auto deadline = Steady::now() + timeout;
  bool withdrawn_tried = false;
  while (true) {
    auto found = db.control().find_request(id);
    if (!found) {
      return found.error();
    }
    if (!*found) {
      return internal_error("request " + std::to_string(id) + " vanished");
    }
    const TriggerRequest& row = **found;
    if (row.outcome == TriggerOutcome::kWithdrawn && !answer.replayed) {
      return Error{ErrorCode::kDeadlineExceeded,
                   "no live service took the request within " +
                       std::to_string(timeout.count() / 1000) +
                       " s: is `orchestrator serve` running on this database?"};
    }
    if (row.outcome != TriggerOutcome::kPending) {
      answer.outcome = row.outcome;
      answer.run_id = row.run_id;
      answer.error = row.error;
      return answer;
    }
    if (Steady::now() >= deadline) {
      if (!row.claimed_by && !withdrawn_tried) {
        withdrawn_tried = true;
        auto withdrawn = db.control().withdraw_request(id);
        if (!withdrawn) {
          return withdrawn.error();
        }
        if (*withdrawn) {
          return Error{ErrorCode::kDeadlineExceeded,
                       "no live service took the request within " +
                           std::to_string(timeout.count() / 1000) +
                           " s: is `orchestrator serve` running on this database?"};
        }
        deadline = Steady::now() + timeout;  // taken meanwhile: its run id comes soon
        continue;
      }
      return Error{ErrorCode::kDeadlineExceeded,
                   "service " + row.claimed_by.value_or("?") +
                       " took the request but has not started its run yet (request " +
                       std::to_string(id) + ")"};
    }
    if (row.claimed_by && !withdrawn_tried) {
      withdrawn_tried = true;  // taken: it will not be withdrawn; give its worker the time
      deadline = std::max(deadline, Steady::now() + timeout);
    }
    std::this_thread::sleep_for(kPollEvery);
  }
}

Result<CancelResult> ask_to_cancel(Database& db, const std::string& run_id, const std::string& by,
                                   std::chrono::milliseconds wait) {
  const std::string why = "cancelled by " + by;
  auto result = db.control().request_cancel(run_id, why, SystemClock().now());
  if (!result || result->found != CancelFound::kRequested) {
    return result;
  }
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
