#pragma once

#include <memory>
#include <utility>

#include "orchestrator/schedule/cron_expression.h"

namespace orch {

// A schedule's cron expression, if it has one, held by a shared immutable pointer: teams that
// follow the same text (scheduler.default_cron) can share one parsed expression, and a schedule
// stays small however long its text. Reads like std::optional<CronExpression>.
class SharedCron {
 public:
  SharedCron() = default;

  SharedCron& operator=(CronExpression cron) {
    cron_ = std::make_shared<const CronExpression>(std::move(cron));
    return *this;
  }
  void reset() { cron_.reset(); }

  bool has_value() const { return cron_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const CronExpression& operator*() const { return *cron_; }
  const CronExpression* operator->() const { return cron_.get(); }

 private:
  std::shared_ptr<const CronExpression> cron_;
};

}  // namespace orch
