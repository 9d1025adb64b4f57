#include <iostream>
#include <map>
#include <memory>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/core/heartbeat.h"

namespace orch::cli {
namespace {

// Every service registered in the database: the live ones, and those silent for longer than the
// heartbeat timeout (they died without a clean stop; their running runs are being abandoned).
// Services silent for longer than scheduler.forget_silent_after_hours are forgotten first: a
// service killed with kill -9 would otherwise be listed for ever.
struct StatusOptions {
  Format format = Format::kTable;
};

int status(const config::Config& config, const StatusOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  const auto forget_after = config.scheduler.forget_silent_after;
  auto forgotten = (*db)->registry().forget_silent(SystemClock().now() - forget_after);
  if (!forgotten) {
    return fail(forgotten.error());
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
  table.when_empty = "no service has used this database yet";
  table.columns = {{"instance"},
                   {"state"},
                   {"host"},
                   {"pid", true},
                   {"started_at"},
                   {"heartbeat_at"},
                   {"heartbeat_age_s", true},
                   {"running_runs", true},
                   {"schedule_generation", true},
                   {"version"}};
  std::size_t live = 0;
  for (const ServiceInstance& s : *services) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.heartbeat_at);
    bool alive = age <= config.scheduler.heartbeat_timeout;
    live += alive ? 1 : 0;
    char age_text[32];
    std::snprintf(age_text, sizeof(age_text), "%.1f", static_cast<double>(age.count()) / 1000.0);
    table.rows.push_back({s.instance, alive ? "live" : "silent", s.host, std::to_string(s.pid),
                          format_utc(s.started_at), format_utc(s.heartbeat_at),
                          std::string(age_text), std::to_string(runs_of[s.instance]),
                          std::to_string(s.applied_generation), s.version});
  }
  std::string forgot = "forgot " + std::to_string(*forgotten) + " service" +
                       (*forgotten == 1 ? "" : "s") + " silent for more than " +
                       std::to_string(forget_after.count()) +
                       " h (scheduler.forget_silent_after_hours)";
  switch (options.format) {
    case Format::kTable:
      std::cout << "database " << escape_controls((*db)->describe()) << ", schedule generation "
                << *generation << ", " << live << " live service" << (live == 1 ? "" : "s") << ", "
                << running->size() << " run" << (running->size() == 1 ? "" : "s") << " running\n";
      if (*forgotten > 0) {
        std::cout << forgot << "\n";
      }
      print(table, options.format, std::cout);
      break;
    case Format::kJson:
      print_json_object({{"database", (*db)->describe()},
                         {"schedule_generation", *generation},
                         {"live_services", static_cast<std::int64_t>(live)},
                         {"running_runs", static_cast<std::int64_t>(running->size())},
                         {"forgotten_services", static_cast<std::int64_t>(*forgotten)},
                         {"forget_silent_after_hours", forget_after.count()}},
                        "services", table, std::cout);
      break;
    case Format::kCsv:
      // The rows alone, so that the output stays CSV.
      if (*forgotten > 0) {
        std::cerr << "note: " << forgot << "\n";
      }
      print(table, options.format, std::cout);
      break;
  }
  return kExitOk;
}

}  // namespace

void add_status_command(Command& app) {
  auto options = std::make_shared<StatusOptions>();
  Command status_cmd =
      app.subcommand("status", "The services sharing the database, with their last heartbeat");
  status_cmd.format(options->format);
  status_cmd.runs([options](const Invocation& in) { return status(in.config, *options); });
}

}  // namespace orch::cli
