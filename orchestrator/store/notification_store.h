#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "notify/delivery.h"

namespace orch {

struct NotificationFilter {
  std::optional<RunId> run_id;
  int limit = 100;
};

// The notifications table: one row per delivery (event, channel, target, status, attempts,
// last_error, times), so an operator can see what was sent and what was not. As a
// notify::DeliveryRecorder it is what the delivery queue records with. Thread-safe.
class NotificationStore : public notify::DeliveryRecorder {
 public:
  // Newest first.
  virtual Result<std::vector<notify::DeliveryRecord>> list(const NotificationFilter& filter) = 0;
};

}  // namespace orch
