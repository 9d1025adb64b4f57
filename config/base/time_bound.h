#pragma once

#include <string_view>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch {

// Reads a bound of a time range as an operator types it (what `runs --since/--until` take),
// relative to `now` and with wall times read in `zone` (the commands pass the machine's zone):
//   2026-12-04T19:00:00Z, 2026-12-04T19:00+01:00   an instant, as parse_utc() reads it
//   2026-12-04T19:00[:SS], "2026-12-04 19:00"      that wall time in `zone`
//   2026-12-04                                     that day's midnight in `zone`
//   today, yesterday                               today's or yesterday's midnight in `zone`
//   45s, 30m, 2h, 7d, 2w                           that long before `now`
// A wall time the clocks skip or repeat is read as its earliest instant. kInvalidArgument lists
// the forms when `text` is none of them.
Result<SysTime> parse_time_bound(std::string_view text, SysTime now, const date::time_zone& zone);

}  // namespace orch
