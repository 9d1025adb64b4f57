#include "orchestrator/schedule/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <date/tz.h>

namespace orch {

std::optional<NextAttempt> next_attempt(const config::RetryConfig& policy, int attempt,
                                        RunStatus status, SysTime ended, Date run_date,
                                        const date::time_zone& zone, double jitter) {
  if (status != RunStatus::kFailed && status != RunStatus::kTimedOut) {
    return std::nullopt;
  }
  if (attempt >= policy.max_attempts) {
    return std::nullopt;
  }
  // Doubling stops at max_delay; the exponent is capped so the shift cannot overflow.
  using std::chrono::milliseconds;
  milliseconds delay = policy.initial_delay;
  for (int i = 1; i < attempt && delay < policy.max_delay; ++i) {
    delay *= 2;
  }
  delay = std::min<milliseconds>(delay, policy.max_delay);
  // "Equal jitter": half the delay is kept, the other half is random.
  double share = 0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0);
  auto jittered = milliseconds(
      static_cast<std::int64_t>(std::llround(static_cast<double>(delay.count()) * share)));
  SysTime at = ended + std::max(jittered, milliseconds(1000));
  // The slot's day ends at the next local midnight after its run date.
  auto day_end = std::chrono::time_point_cast<milliseconds>(
      zone.to_sys(date::local_days(run_date) + date::days(1), date::choose::earliest));
  if (at >= day_end) {
    return std::nullopt;
  }
  return NextAttempt{attempt + 1, at};
}

double retry_jitter(std::string_view run_id) {
  return static_cast<double>(std::hash<std::string_view>{}(run_id) % 10007) / 10006.0;
}

}  // namespace orch
