#pragma once

#include <optional>
#include <vector>

#include "config/base/time.h"
#include "orchestrator/schedule/dst_policy.h"

namespace date {
class time_zone;
}

namespace orch {

// The instant of a daily slot at wall time `time` on local date `day` in `zone`. Daylight saving
// follows `policy` (by default Vixie cron's rule for fixed-time jobs: a time inside the skipped
// hour runs at the first instant after the jump; a time inside the repeated hour runs once, at
// its first occurrence). std::nullopt: no slot that day (a skipped time, dst_skipped = skip).
std::optional<SysTime> daily_slot(Date day, TimeOfDay time, const date::time_zone& zone,
                                  DstPolicy policy = {});

// The first slot strictly after `after`, with its run date (the slot's local date).
struct DailySlot {
  SysTime at;
  Date run_date;
};
DailySlot next_daily_slot(TimeOfDay time, const date::time_zone& zone, SysTime after,
                          DstPolicy policy = {});

// The next `count` slots strictly after `after`.
std::vector<DailySlot> next_daily_slots(TimeOfDay time, const date::time_zone& zone, SysTime after,
                                        int count, DstPolicy policy = {});

}  // namespace orch
