#pragma once

#include <array>
#include <cstddef>

#include <date/date.h>

#include "config/base/time.h"

namespace date {
class time_zone;
}

namespace orch {

// How a job meets daylight saving, after Vixie cron: a job whose minute or hour field starts with
// `*` is a wildcard job; any other job (and every daily run time) is a fixed-time job.
enum class JobKind { kFixedTime, kWildcard };

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
WallTimeFires fires_at_wall_time(date::local_seconds wall_time, const date::time_zone& zone,
                                 JobKind kind);

}  // namespace orch
