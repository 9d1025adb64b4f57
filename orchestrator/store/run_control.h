#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/run_records.h"
#include "config/base/time.h"

namespace orch {

// What became of a request to run an owner now.
enum class TriggerOutcome {
  kPending,    // no service has taken it yet
  kStarted,    // a service claimed the run: `run_id`
  kBusy,       // the owner had a run in progress (`run_id`): nothing was started
  kRefused,    // the service could not run it (`error`: no such team, pipeline, ...)
  kWithdrawn,  // its requester gave up waiting before any service took it
};
const char* to_string(TriggerOutcome outcome);

// One row of run_requests: `orchestrator trigger` and POST /api/v1/teams/{id}/runs ask the live
// services, through the database, to run an owner now as a manual run.
struct TriggerRequest {
  std::int64_t id = 0;
  RunOwner owner;
  std::optional<std::string> purchase_date;  // YYYY-MM-DD; unset: computed from the run date
  std::string requested_by;                  // "cli:<user>", "api:<token name>"
  std::optional<std::string> idempotency_key;
  SysTime created_at;
  std::optional<std::string> claimed_by;  // the service instance that took it
  TriggerOutcome outcome = TriggerOutcome::kPending;
  RunId run_id;       // kStarted: the run; kBusy: the run in progress
  std::string error;  // kRefused: why
};

// What a request to cancel a run found.
enum class CancelFound {
  kNotFound,
  kCancelled,  // it was waiting: recorded `cancelled` now, it will never start
  kRequested,  // it is running: its service stops it and records `cancelled`
  kEnded,      // it had ended already (the row says how)
};

struct CancelResult {
  CancelFound found = CancelFound::kNotFound;
  RunStatus status = RunStatus::kRunning;  // the run's status as found (kEnded, kRequested)
  std::string instance;                    // the service holding it
};

// Run now and cancel, across every service sharing the database. The control generation tells
// the services that something was asked of them; every state change is a compare-and-set on its
// row, so that exactly one service takes a request and a waiting run is either started or
// cancelled, never both. Thread-safe.
class RunControl {
 public:
  virtual ~RunControl() = default;

  // Records a request (id and created_at are set here). With an idempotency key already used,
  // nothing is added and the earlier request is returned; `added` says which.
  struct Submitted {
    TriggerRequest request;
    bool added = false;
  };
  virtual Result<Submitted> submit(const TriggerRequest& request) = 0;
  virtual Result<std::optional<TriggerRequest>> find_request(std::int64_t id) = 0;
  // Requests no service has taken, created at or after `since`, oldest first. One holding a value
  // the store cannot read is passed over with an error logged naming it (BadRows::kSkipAndLog):
  // the others are still run.
  virtual Result<std::vector<TriggerRequest>> pending_requests(SysTime since) = 0;
  // Takes the request for `instance`; false when another service (or its withdrawal) was first.
  virtual Result<bool> claim_request(std::int64_t id, const std::string& instance) = 0;
  // Records what became of a request this service took.
  virtual Status settle_request(std::int64_t id, TriggerOutcome outcome, const RunId& run_id,
                                const std::string& error) = 0;
  // Withdraws a request no service has taken; false when one took it meanwhile.
  virtual Result<bool> withdraw_request(std::int64_t id) = 0;

  // A waiting run is recorded cancelled (with `why`) at once; a running one gets its request
  // recorded for its service to act on.
  virtual Result<CancelResult> request_cancel(const RunId& run_id, const std::string& why,
                                              SysTime now) = 0;
  // The running runs of `instance` that were asked to be cancelled, and by whom.
  struct CancelAsked {
    RunId run_id;
    std::string why;
  };
  virtual Result<std::vector<CancelAsked>> cancel_requested(const std::string& instance) = 0;

  // The control generation, bumped after each request so that live services look at once.
  virtual Result<std::int64_t> generation() = 0;
  virtual Status bump_generation() = 0;
};

}  // namespace orch
