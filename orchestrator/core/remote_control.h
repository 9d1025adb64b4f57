#pragma once

#include <chrono>
#include <string>

#include "config/base/result.h"
#include "orchestrator/store/database.h"

namespace orch {

// The asking side of run now and cancel, for `trigger`, `cancel` and the HTTP API: each writes
// its request to the database and waits, bounded, for a live service to act on it. No service
// is called directly, so the answer is the same whichever replica (if any) the caller is in.

// What became of a request to run now: kStarted or kBusy with `run_id`, or kRefused with
// `error`. `replayed`: the idempotency key named an earlier request, and nothing new was asked.
struct TriggerAnswer {
  TriggerOutcome outcome = TriggerOutcome::kPending;
  RunId run_id;
  std::string error;
  bool replayed = false;
};

// Both record what they did in the audit log, as `request.requested_by` and `by` (cli_actor(),
// api_actor()): a trigger once a service took it (not a replay), a cancel once asked.

// Asks the live services to run `request` (its owner, purchase date, requester and idempotency
// key set) and waits up to `timeout` for one to take it. kDeadlineExceeded, with the request
// withdrawn, when none did; kUnavailable when the database is.
Result<TriggerAnswer> ask_to_run(Database& db, const TriggerRequest& request,
                                 std::chrono::milliseconds timeout);

// Cancels `run_id`: a waiting run at once; a running one is asked of its service, and with
// `wait` > 0 this waits that long for its row to leave `running`. The result's status is the
// run's latest (kCancelled once it is).
Result<CancelResult> ask_to_cancel(Database& db, const RunId& run_id, const std::string& by,
                                   std::chrono::milliseconds wait);

}  // namespace orch
