#include "orchestrator/schedule/daily_slot.h"

#include <date/tz.h>

#include "orchestrator/schedule/dst_policy.h"

namespace orch {

std::optional<SysTime> daily_slot(Date day, TimeOfDay time, const date::time_zone& zone,
                                  DstPolicy policy) {
  auto local = date::local_seconds(date::local_days(day)) + time.since_midnight;
  // A daily run time is a fixed-time job: it fires once, or not that day (skipped, `skip`).
  WallTimeFires fires = fires_at_wall_time(local, zone, JobKind::kFixedTime, policy);
  if (fires.count == 0) {
    return std::nullopt;
  }
  return fires.at[0];
}

DailySlot next_daily_slot(TimeOfDay time, const date::time_zone& zone, SysTime after,
                          DstPolicy policy) {
  // Start a day early: `after`'s local date may already be past the slot of the day before in
  // zones ahead of UTC, and a slot can only move by the size of a DST shift.
  date::sys_days start{local_date(after, zone)};
  Date day{start - date::days(1)};
  while (true) {
    std::optional<SysTime> at = daily_slot(day, time, zone, policy);
    if (at && *at > after) {
      return {*at, day};
    }
    day = Date{date::sys_days(day) + date::days(1)};
  }
}

std::vector<DailySlot> next_daily_slots(TimeOfDay time, const date::time_zone& zone, SysTime after,
                                        int count, DstPolicy policy) {
  std::vector<DailySlot> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(next_daily_slot(time, zone, after, policy));
    after = out.back().at;
  }
  return out;
}

}  // namespace orch
