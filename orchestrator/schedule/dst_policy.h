#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>

#include "config/base/result.h"
#include "config/base/time.h"

namespace date {
class time_zone;
}

namespace orch {

// How a job meets daylight saving, after Vixie cron: a job whose minute or hour field starts with
// `*` is a wildcard job; any other job (and every daily run time) is a fixed-time job.
enum class JobKind { kFixedTime, kWildcard };

// What a fixed-time job does when daylight saving skips or repeats its wall time: a team's choice
// (teams --dst-skipped, --dst-repeated, or scheduler.dst_*), by default Vixie cron's. A wildcard
// job keeps Vixie's rules whatever the policy.
enum class DstSkipped : std::uint8_t {
  kShift,  // run at the first instant after the jump
  kSkip,   // no run that day
};
enum class DstRepeated : std::uint8_t {
  kFirst,  // run at the first occurrence
  kLast,   // run at the second
};
struct DstPolicy {
  DstSkipped skipped = DstSkipped::kShift;
  DstRepeated repeated = DstRepeated::kFirst;
  friend bool operator==(const DstPolicy&, const DstPolicy&) = default;
};
const char* to_string(DstSkipped value);   // "shift", "skip"
const char* to_string(DstRepeated value);  // "first", "last"
Result<DstSkipped> parse_dst_skipped(std::string_view text);
Result<DstRepeated> parse_dst_repeated(std::string_view text);

// The instants at which a job due at one local wall time fires in a zone: none (a wildcard job's
// time skipped by a forward jump), one, or two (a wildcard job's time in a repeated hour).
struct WallTimeFires {
  std::array<SysTime, 2> at{};
  std::size_t count = 0;
  // The earliest instant the wall time maps to (for a skipped time: the instant of the jump).
  // It never decreases as the wall time increases, so searches can stop on it.
  SysTime earliest;
  // For a skipped wall time: the local time at which the jump ends, where a search for the next
  // wall time that exists may resume.
  date::local_seconds gap_end{};
  bool skipped = false;
};

// The one daylight-saving rule of the project, for daily times and cron alike (Vixie cron, as
// cronie's cron.c describes it). On a jump forward, a fixed-time job whose time was skipped runs
// once at the first instant after the jump; a wildcard job loses the skipped times. On a jump
// back, a fixed-time job runs once, at the first occurrence; a wildcard job runs in both passes.
// A fixed-time job follows `policy` instead.
WallTimeFires fires_at_wall_time(date::local_seconds wall_time, const date::time_zone& zone,
                                 JobKind kind, DstPolicy policy = {});

// What daylight saving did to a slot at `at` in `zone`, for the run's schedule_note; empty on a
// day it did nothing. `wall` is the wall time asked for when known (a daily run time), e.g.
// "02:30 does not exist on 2027-03-14 in America/New_York: ran at 03:00 (dst_skipped=shift)".
std::string dst_note(SysTime at, const date::time_zone& zone, const TimeOfDay* wall,
                     DstPolicy policy);

}  // namespace orch
