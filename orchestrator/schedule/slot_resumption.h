#pragma once

#include <chrono>
#include <optional>

#include "config/base/run_records.h"
#include "config/base/time.h"
#include "config/config.h"
#include "orchestrator/schedule/retry_policy.h"

namespace date {
class time_zone;
}

namespace orch {

// The misfire rule, the one place it is written: something due at `due` may still start at
// `now` while now - due <= grace. A slot is due at its time; an attempt lost to its service's
// death or stop is due again when it was lost. Waiting for a free worker while a service is up
// is never a misfire: the rule is applied when a slot is handed over, not when a worker takes it.
bool within_grace(SysTime due, SysTime now, std::chrono::seconds grace);

// The most attempts a slot gets, retries and reruns together (pipeline.retry.max_attempts is at
// most this too).
inline constexpr int kMaxSlotAttempts = 100;

// When a scheduled attempt stopped being carried out, for one that ended `abandoned` (its
// service's last heartbeat of it, else its start) or `interrupted` (its end). Else nothing.
std::optional<SysTime> lost_at(const RunRecord& attempt);

// What a slot whose latest attempt is `last` needs next, if anything:
// - `abandoned` or `interrupted` (lost, not failed): attempt n+1 at once, while within the grace
//   of when it was lost; so a team's day survives a kill -9 or a restart of its service, however
//   many times, but a slot lost during a long outage is not run days later;
// - `failed` or `timed_out`: the retry policy's next attempt (next_attempt()), at once if its
//   time has passed;
// - anything else, or a run that is not a slot's: nothing.
std::optional<NextAttempt> resume_slot(const RunRecord& last, const config::RetryConfig& policy,
                                       std::chrono::seconds grace, const date::time_zone& zone,
                                       SysTime now);

}  // namespace orch
