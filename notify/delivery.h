#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "config/base/ids.h"
#include "config/base/result.h"
#include "config/base/time.h"

namespace orch::notify {

// pending: queued or between retries; sent; failed: every attempt failed, or a failure not worth
// retrying, or the service stopped first; dropped: the queue was full.
enum class DeliveryStatus { kPending, kSent, kFailed, kDropped };
const char* to_string(DeliveryStatus status);

// One message to one channel's target, as an operator sees it in the notifications table.
// Never holds a secret: `target` is addresses, or a webhook URL redacted.
struct DeliveryRecord {
  std::int64_t id = 0;  // 0 until recorded
  std::string event;    // "run_failed", ...
  std::string channel;  // "email", "slack"
  std::string target;   // "a@example.com,b@example.com" or "https://hooks.slack.com/***"
  std::optional<TeamId> team;
  std::optional<RunId> run_id;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  std::string last_error;
  SysTime created_at;
  SysTime updated_at;
  std::optional<SysTime> sent_at;
};

// Where deliveries are recorded (the notifications table). Implemented outside notify/ (the
// store); called from the delivery threads, never from a run's. Thread-safe.
class DeliveryRecorder {
 public:
  virtual ~DeliveryRecorder() = default;
  // Records a new delivery; returns its id.
  virtual Result<std::int64_t> add(const DeliveryRecord& record) = 0;
  // Records the delivery's new status, attempts, last error and times (by record.id).
  virtual Status update(const DeliveryRecord& record) = 0;
};

// A delivery waiting to go out: its record, and one attempt at sending it (blocking, bounded by
// the channel's timeout). An error is retried when retry_rule.h's worth_retrying() says so
// (kUnavailable, kDeadlineExceeded); others are not.
struct Delivery {
  DeliveryRecord record;
  std::function<Status()> attempt;
};

}  // namespace orch::notify
