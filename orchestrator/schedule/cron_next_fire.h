#pragma once

#include <optional>
#include <vector>

#include "config/base/time.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/dst_policy.h"

namespace date {
class time_zone;
}

namespace orch {

// The first instant strictly after `after` at which `cron` fires in `zone`, with the
// daylight-saving rule of dst_policy.h. A pure function: no clock, no I/O, safe on any thread.
// It jumps field by field (month, day, hour, minute), never minute by minute. std::nullopt only
// when the next fire lies beyond the year 9999 (parse_cron refuses expressions that never fire).
std::optional<SysTime> next_cron_fire(const CronExpression& cron, const date::time_zone& zone,
                                      SysTime after, DstPolicy policy = {});

// The next `count` fire instants strictly after `after`, oldest first.
std::vector<SysTime> next_cron_fires(const CronExpression& cron, const date::time_zone& zone,
                                     SysTime after, int count);

// The first local wall time at or after `from`, rounded up to a whole minute, that the
// expression's fields accept, ignoring daylight saving. std::nullopt past the year 9999.
std::optional<date::local_seconds> next_matching_wall_time(const CronExpression& cron,
                                                           date::local_seconds from);

}  // namespace orch
