#include "orchestrator/schedule/dst_policy.h"

#include <date/tz.h>

namespace orch {
namespace {

SysTime to_sys_time(date::sys_seconds t) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

}  // namespace

const char* to_string(DstSkipped value) {
  return value == DstSkipped::kSkip ? "skip" : "shift";
}

const char* to_string(DstRepeated value) {
  return value == DstRepeated::kLast ? "last" : "first";
}

Result<DstSkipped> parse_dst_skipped(std::string_view text) {
  if (text == "shift") {
    return DstSkipped::kShift;
  }
  if (text == "skip") {
    return DstSkipped::kSkip;
  }
  return invalid_argument("'" + std::string(text) + "' is not allowed: use shift or skip");
}

Result<DstRepeated> parse_dst_repeated(std::string_view text) {
  if (text == "first") {
    return DstRepeated::kFirst;
  }
  if (text == "last") {
    return DstRepeated::kLast;
  }
  return invalid_argument("'" + std::string(text) + "' is not allowed: use first or last");
}

std::string dst_note(SysTime at, const date::time_zone& zone, const TimeOfDay* wall,
                     DstPolicy policy) {
  const auto at_seconds = date::floor<std::chrono::seconds>(at);
  const date::sys_info info = zone.get_info(at_seconds);
  const auto local = zone.to_local(at_seconds);
  const std::string day = date::format("%F", date::floor<date::days>(local));
  const std::string where = " on " + day + " in " + std::string(zone.name());
  // Shifted: the slot is the instant a jump forward ended, and the time asked for was in the gap.
  if (info.begin == at_seconds && at_seconds > date::sys_seconds{}) {
    const date::sys_info before = zone.get_info(at_seconds - std::chrono::seconds(1));
    if (before.offset < info.offset) {
      std::string asked =
          wall != nullptr ? format_time_of_day(*wall).substr(0, 5) : std::string("its time");
      return asked + " does not exist" + where + ": ran at " + date::format("%H:%M", local) +
             " (dst_skipped=" + to_string(policy.skipped) + ")";
    }
  }
  const date::local_info twice = zone.get_info(local);
  if (twice.result == date::local_info::ambiguous) {
    const bool first =
        date::sys_seconds{local.time_since_epoch()} - twice.first.offset == at_seconds;
    return date::format("%H:%M", local) + " happens twice" + where + ": ran at the " +
           (first ? "first" : "second") + " (dst_repeated=" + to_string(policy.repeated) + ")";
  }
  return {};
}

WallTimeFires fires_at_wall_time(date::local_seconds wall_time, const date::time_zone& zone,
                                 JobKind kind, DstPolicy policy) {
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
      if (kind == JobKind::kFixedTime && policy.skipped == DstSkipped::kShift) {
        fires.at[fires.count++] = fires.earliest;
      }
      break;
    case date::local_info::ambiguous: {
      fires.earliest =
          to_sys_time(date::sys_seconds{wall_time.time_since_epoch()} - info.first.offset);
      const SysTime second =
          to_sys_time(date::sys_seconds{wall_time.time_since_epoch()} - info.second.offset);
      if (kind == JobKind::kWildcard) {
        fires.at[fires.count++] = fires.earliest;
        fires.at[fires.count++] = second;
      } else {
        fires.at[fires.count++] = policy.repeated == DstRepeated::kLast ? second : fires.earliest;
      }
      break;
    }
  }
  return fires;
}

}  // namespace orch
