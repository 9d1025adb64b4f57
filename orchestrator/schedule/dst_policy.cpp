#include "orchestrator/schedule/dst_policy.h"

#include <date/tz.h>

namespace orch {
namespace {

SysTime to_sys_time(date::sys_seconds t) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

}  // namespace

WallTimeFires fires_at_wall_time(date::local_seconds wall_time, const date::time_zone& zone,
                                 JobKind kind) {
  WallTimeFires fires;
  const date::local_info info = zone.get_info(wall_time);
  switch (info.result) {
    case date::local_info::unique:
      fires.earliest =
          to_sys_time(date::sys_seconds{wall_time.time_since_epoch()} - info.first.offset);
      fires.at[fires.count++] = fires.earliest;
      break;
    case date::local_info::nonexistent:
      // The jump happens at info.second.begin; local time resumes at that instant in the new
      // offset.
      fires.skipped = true;
      fires.earliest = to_sys_time(info.second.begin);
      fires.gap_end =
          date::local_seconds{info.second.begin.time_since_epoch()} + info.second.offset;
      if (kind == JobKind::kFixedTime) {
        fires.at[fires.count++] = fires.earliest;
      }
      break;
    case date::local_info::ambiguous:
      fires.earliest =
          to_sys_time(date::sys_seconds{wall_time.time_since_epoch()} - info.first.offset);
      fires.at[fires.count++] = fires.earliest;
      if (kind == JobKind::kWildcard) {
        fires.at[fires.count++] =
            to_sys_time(date::sys_seconds{wall_time.time_since_epoch()} - info.second.offset);
      }
      break;
  }
  return fires;
}

}  // namespace orch
