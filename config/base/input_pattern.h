#pragma once

#include <string>
#include <string_view>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch {

// A required-input pattern (a glob) may name the run date, so that a run waits for its own day's
// file and not yesterday's: "{run_date}" is the date as YYYY-MM-DD, "{run_date:FORMAT}" the date
// in a strftime-like FORMAT of date conversions only (%Y %m %d %y %j %b %B %a %A %e %u %w and %%),
// e.g. "loans_{run_date:%Y%m%d}.csv". Any other text, other braces included, stays as written.

// `pattern` with each run-date field replaced by `run_date`. Fails with kInvalidArgument, saying
// what is allowed, for a field that is not well formed (an unclosed "{run_date", an unknown
// conversion).
Result<std::string> expand_run_date(std::string_view pattern, Date run_date);

// Whether `pattern` is well formed: expand_run_date()'s check, without a date.
Status check_input_pattern(std::string_view pattern);

}  // namespace orch
