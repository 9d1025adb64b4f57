#include "orchestrator/core/reschedule.h"

#include <thread>

#include "config/base/clock.h"
#include "orchestrator/core/heartbeat.h"

namespace orch {

Result<RescheduleOutcome> reschedule_services(Database& db, const config::Config& config,
                                              const std::string& actor,
                                              std::chrono::milliseconds timeout) {
  auto& registry = db.registry();
  auto generation = registry.bump_generation();
  if (!generation) {
    return generation.error();
  }
  SystemClock clock;
  AuditEntry entry;
  entry.at = clock.now();
  entry.actor = actor;
  entry.action = "reschedule";
  entry.after = "{\"generation\":" + std::to_string(*generation) + "}";
  if (auto recorded = db.audit().record(entry); !recorded) {
    return unavailable(
        "the services were asked to reschedule, but its audit entry was not "
        "written: " +
        recorded.error().message);
  }
  // Live: beat within the last two beats and a second. A service silent for longer is not
  // waited for (it may be dead; it reloads its schedule anyway when it comes back).
  auto beat = heartbeat_interval(config.scheduler.heartbeat_timeout);
  auto alive_since = [&] { return clock.now() - 2 * beat - std::chrono::seconds(1); };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  RescheduleOutcome outcome;
  outcome.generation = *generation;
  while (true) {
    auto live = registry.live(alive_since());
    if (!live) {
      return live.error();
    }
    outcome.waiting.clear();
    outcome.applied = 0;
    for (const auto& service : *live) {
      if (service.applied_generation >= *generation) {
        ++outcome.applied;
      } else {
        outcome.waiting.push_back(service.instance);
      }
    }
    if (outcome.waiting.empty() || std::chrono::steady_clock::now() >= deadline) {
      return outcome;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace orch
