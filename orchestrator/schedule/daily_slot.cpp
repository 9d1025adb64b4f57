#include "orchestrator/schedule/daily_slot.h"

#include <date/tz.h>

namespace orch {

SysTime daily_slot(Date day, TimeOfDay time, const date::time_zone& zone) {
  auto local = date::local_seconds(date::local_days(day)) + time.since_midnight;
  // choose::earliest gives the first occurrence of a repeated time, and for a skipped time the
  // instant of the transition itself: the first instant after the jump.
  return std::chrono::time_point_cast<std::chrono::milliseconds>(
      zone.to_sys(local, date::choose::earliest));
}

DailySlot next_daily_slot(TimeOfDay time, const date::time_zone& zone, SysTime after) {
  // Start a day early: `after`'s local date may already be past the slot of the day before in
  // zones ahead of UTC, and a slot can only move by the size of a DST shift.
  date::sys_days start{local_date(after, zone)};
  Date day{start - date::days(1)};
  while (true) {
    SysTime at = daily_slot(day, time, zone);
    if (at > after) {
      return {at, day};
    }
    day = Date{date::sys_days(day) + date::days(1)};
  }
}

std::vector<DailySlot> next_daily_slots(TimeOfDay time, const date::time_zone& zone,
                                        SysTime after, int count) {
  std::vector<DailySlot> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(next_daily_slot(time, zone, after));
    after = out.back().at;
  }
  return out;
}

}  // namespace orch
