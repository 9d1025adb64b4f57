#pragma once

#include <string>

#include "config/base/run_records.h"
#include "notify/event.h"
#include "notify/notifier.h"
#include "orchestrator/core/run_target.h"
#include "orchestrator/store/run_store.h"

namespace orch {

// The event people are told about `run` (of `target`).
notify::RunEvent run_event(notify::EventKind kind, const RunRecord& run, const RunTarget& target);
// The event a run that ended with `status` calls for: completed, timed out, abandoned or failed.
notify::EventKind end_event(RunStatus status);

// Whether the database took a run's end, which decides whether its failure streak can be read.
enum class EndRecorded { kYes, kNo };

// The notify stage's input: a run that ended, as recorded.
struct EndNotice {
  const RunRecord& run;  // its final row
  const RunTarget& target;
  std::string retry;  // for a failure: whether another attempt is coming ("" for none planned)
  EndRecorded recorded = EndRecorded::kYes;
};

// The last stage of a run, and what the executor tells along the way: hands run events to the
// notifier. Thread-safe as the notifier and the store are.
class RunNotices {
 public:
  // `alert_after_failures`: notify.alert_after_failures (0: no streak alerts).
  RunNotices(notify::Notifier& notifier, RunStore& runs, int alert_after_failures)
      : notifier_(notifier), runs_(runs), alert_after_failures_(alert_after_failures) {}

  // `retry` says, for a failure, whether another attempt is coming.
  void tell(notify::EventKind kind, const RunRecord& run, const RunTarget& target,
            const std::string& retry = "") const;
  // The run's end event, then (when its end was recorded) its streak.
  void tell_end(const EndNotice& notice) const;
  // After a run ended: the alert when it makes notify.alert_after_failures failed runs in a row,
  // or the all-clear when it completes after such a streak.
  void tell_streak(const RunRecord& run, const RunTarget& target) const;

 private:
  notify::Notifier& notifier_;
  RunStore& runs_;
  int alert_after_failures_;
};

}  // namespace orch
