#pragma once

#include <optional>
#include <string_view>

#include "config/base/run_records.h"
#include "config/base/time.h"
#include "config/config.h"

namespace date {
class time_zone;
}

namespace orch {

// The next attempt of a scheduled run, decided when an attempt ends.
struct NextAttempt {
  int attempt = 2;  // the number of the attempt to come
  SysTime at;
};

// Whether and when a scheduled run that ended as `status` at `ended` is tried again. Only
// `failed` and `timed_out` runs are retried, up to `policy.max_attempts` attempts in all, with
// exponential backoff: attempt n+1 waits min(initial_delay * 2^(n-1), max_delay), shortened by up
// to half by `jitter` (0 to 1: the caller's random draw, so that teams failing together do not
// retry together). A retry must start on the slot's run date in `zone`: one that would start
// later is not made. A pure function: no clock, no randomness of its own.
std::optional<NextAttempt> next_attempt(const config::RetryConfig& policy, int attempt,
                                        RunStatus status, SysTime ended, Date run_date,
                                        const date::time_zone& zone, double jitter);

// The jitter of the run's retry, from 0 to 1: a hash of its (random) run id, so that each run
// has its own without shared random state, and a service that restarts computes the same one.
double retry_jitter(std::string_view run_id);

}  // namespace orch
