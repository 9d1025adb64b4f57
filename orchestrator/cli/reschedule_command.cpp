#include <iostream>
#include <thread>

#include "config/base/clock.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/schedule_table.h"
#include "orchestrator/core/heartbeat.h"

namespace orch::cli {

int reschedule(const config::Config& config, const RescheduleOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto& registry = (*db)->registry();
  auto generation = registry.bump_generation();
  if (!generation) {
    return fail(generation.error());
  }
  SystemClock clock;
  // Live: beat within the last two beats and a second. A service silent for longer is not
  // waited for (it may be dead; it reloads its schedule anyway when it comes back).
  auto beat = heartbeat_interval(config.scheduler.heartbeat_timeout);
  auto alive_since = [&] { return clock.now() - 2 * beat - std::chrono::seconds(1); };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_seconds);
  std::vector<std::string> waiting;
  std::size_t applied = 0;
  while (true) {
    auto live = registry.live(alive_since());
    if (!live) {
      return fail(live.error());
    }
    waiting.clear();
    applied = 0;
    for (const auto& service : *live) {
      if (service.applied_generation >= *generation) {
        ++applied;
      } else {
        waiting.push_back(service.instance);
      }
    }
    if (waiting.empty() || std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!waiting.empty()) {
    std::string names;
    for (const auto& name : waiting) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return fail(Error{ErrorCode::kDeadlineExceeded,
                      "reschedule: service " + names + " did not apply the new schedule within " +
                          std::to_string(options.timeout_seconds) + " s"});
  }
  if (applied == 0) {
    std::cout << "no live service: the schedule below applies when `serve` starts\n";
  } else {
    std::cout << "applied by " << applied << " live service" << (applied == 1 ? "" : "s") << "\n";
  }
  auto table = schedule_table(config, **db, std::nullopt, std::nullopt, 1);
  if (!table) {
    return fail(table.error());
  }
  print(*table, Format::kTable, std::cout);
  return kExitOk;
}

}  // namespace orch::cli
