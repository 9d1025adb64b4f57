#include <iostream>
#include <map>

#include "config/base/clock.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/core/heartbeat.h"

namespace orch::cli {

// Every service registered in the database: the live ones, and those silent for longer than the
// heartbeat timeout (they died without a clean stop; their running runs are being abandoned).
int status(const config::Config& config, const StatusOptions& options) {
  auto db = open_database(config, 1);
  if (!db) {
    return fail(db.error());
  }
  auto services = (*db)->registry().live(SysTime{});
  if (!services) {
    return fail(services.error());
  }
  RunFilter running_filter;
  running_filter.status = RunStatus::kRunning;
  running_filter.limit = 1000000;
  auto running = (*db)->runs().list(running_filter);
  if (!running) {
    return fail(running.error());
  }
  auto generation = (*db)->registry().generation();
  if (!generation) {
    return fail(generation.error());
  }
  std::map<std::string, int> runs_of;
  for (const RunRecord& run : *running) {
    ++runs_of[run.instance];
  }

  SysTime now = SystemClock().now();
  Table table;
  table.columns = {{"instance"},          {"state"},   {"host"},
                   {"pid", true},         {"started_at"}, {"heartbeat_at"},
                   {"heartbeat_age_s", true}, {"running_runs", true},
                   {"schedule_generation", true}};
  std::size_t live = 0;
  for (const ServiceInstance& s : *services) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.heartbeat_at);
    bool alive = age <= config.scheduler.heartbeat_timeout;
    live += alive ? 1 : 0;
    char age_text[32];
    std::snprintf(age_text, sizeof(age_text), "%.1f", static_cast<double>(age.count()) / 1000.0);
    table.rows.push_back({s.instance, alive ? "live" : "silent", s.host,
                          std::to_string(s.pid), format_utc(s.started_at),
                          format_utc(s.heartbeat_at), std::string(age_text),
                          std::to_string(runs_of[s.instance]),
                          std::to_string(s.applied_generation)});
  }
  if (options.format == Format::kTable) {
    std::cout << "database " << (*db)->describe() << ", schedule generation " << *generation
              << ", " << live << " live service" << (live == 1 ? "" : "s") << ", "
              << running->size() << " run" << (running->size() == 1 ? "" : "s") << " running\n";
  }
  print(table, options.format, std::cout);
  return kExitOk;
}

}  // namespace orch::cli
