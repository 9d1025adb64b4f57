#include <array>
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

struct StatusOptions {
  Format format = Format::kTable;
};

// What the database says about its services.
struct Services {
  std::size_t forgotten = 0;  // silent ones forgotten now
  std::vector<ServiceInstance> services;
  std::map<std::string, int> runs_of;  // running runs by instance
  std::size_t running = 0;
  std::int64_t generation = 0;
};

// Services silent for longer than scheduler.forget_silent_after_hours are forgotten first: a
// service killed with kill -9 would otherwise be listed for ever.
Result<Services> read_services(const config::Config& config, Database& db) {
  Services out;
  auto forgotten =
      db.registry().forget_silent(SystemClock().now() - config.scheduler.forget_silent_after);
  if (!forgotten) {
    return forgotten.error();
  }
  out.forgotten = *forgotten;
  auto services = db.registry().live(SysTime{});
  if (!services) {
    return services.error();
  }
  out.services = std::move(*services);
  RunFilter running_filter;
  running_filter.status = RunStatus::kRunning;
  running_filter.limit = 1000000;
  auto running = db.runs().list(running_filter);
  if (!running) {
    return running.error();
  }
  out.running = running->size();
  for (const RunRecord& run : *running) {
    ++out.runs_of[run.instance];
  }
  auto generation = db.registry().generation();
  if (!generation) {
    return generation.error();
  }
  out.generation = *generation;
  return out;
}

// One row a service; `live` counts those that are.
Table service_table(const config::Config& config, Services& s, std::size_t& live) {
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
  for (const ServiceInstance& service : s.services) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - service.heartbeat_at);
    bool alive = age <= config.scheduler.heartbeat_timeout;
    live += alive ? 1 : 0;
    std::array<char, 32> age_text{};
    std::snprintf(age_text.data(), age_text.size(), "%.1f",
                  static_cast<double>(age.count()) / 1000.0);
    table.rows.push_back({service.instance, alive ? "live" : "silent", service.host,
                          std::to_string(service.pid), format_utc(service.started_at),
                          format_utc(service.heartbeat_at), std::string(age_text.data()),
                          std::to_string(s.runs_of[service.instance]),
                          std::to_string(service.applied_generation), service.version});
  }
  return table;
}

// Every service registered in the database: the live ones, and those silent for longer than the
// heartbeat timeout (they died without a clean stop; their running runs are being abandoned).
int status(const config::Config& config, const StatusOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto s = read_services(config, **db);
  if (!s) {
    return fail(s.error());
  }
  std::size_t live = 0;
  Table table = service_table(config, *s, live);
  const auto forget_after = config.scheduler.forget_silent_after;
  std::string forgot = "forgot " + std::to_string(s->forgotten) + " service" +
                       (s->forgotten == 1 ? "" : "s") + " silent for more than " +
                       std::to_string(forget_after.count()) +
                       " h (scheduler.forget_silent_after_hours)";
  switch (options.format) {
    case Format::kTable:
      std::cout << "database " << escape_controls((*db)->describe()) << ", schedule generation "
                << s->generation << ", " << live << " live service" << (live == 1 ? "" : "s")
                << ", " << s->running << " run" << (s->running == 1 ? "" : "s") << " running\n";
      if (s->forgotten > 0) {
        std::cout << forgot << "\n";
      }
      print(table, options.format, std::cout);
      break;
    case Format::kJson:
      print_json_object({{"database", (*db)->describe()},
                         {"schedule_generation", s->generation},
                         {"live_services", static_cast<std::int64_t>(live)},
                         {"running_runs", static_cast<std::int64_t>(s->running)},
                         {"forgotten_services", static_cast<std::int64_t>(s->forgotten)},
                         {"forget_silent_after_hours", forget_after.count()}},
                        "services", table, std::cout);
      break;
    case Format::kCsv:
      // The rows alone, so that the output stays CSV.
      if (s->forgotten > 0) {
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
