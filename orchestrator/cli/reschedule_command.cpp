#include <iostream>
#include <memory>

#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/schedule_table.h"
#include "orchestrator/core/audit_actor.h"
#include "orchestrator/core/reschedule.h"

namespace orch::cli {
namespace {

struct RescheduleOptions {
  int timeout_seconds = 10;
};

int reschedule(const config::Config& config, const RescheduleOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto outcome =
      reschedule_services(**db, config, cli_actor(), std::chrono::seconds(options.timeout_seconds));
  if (!outcome) {
    return fail(outcome.error());
  }
  if (!outcome->waiting.empty()) {
    std::string names;
    for (const auto& name : outcome->waiting) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return fail(Error{ErrorCode::kDeadlineExceeded,
                      "reschedule: service " + names + " did not apply the new schedule within " +
                          std::to_string(options.timeout_seconds) + " s"});
  }
  if (outcome->applied == 0) {
    std::cout << "no live service: the schedule below applies when `serve` starts\n";
  } else {
    std::cout << "applied by " << outcome->applied << " live service"
              << (outcome->applied == 1 ? "" : "s") << "\n";
  }
  auto table = schedule_table(config, **db, std::nullopt, std::nullopt, 1);
  if (!table) {
    return fail(table.error());
  }
  print(*table, Format::kTable, std::cout);
  return kExitOk;
}

}  // namespace

void add_reschedule_command(Command& app) {
  auto options = std::make_shared<RescheduleOptions>();
  Command reschedule_cmd = app.subcommand(
      "reschedule", "Make every live service reload the teams; print the new schedule");
  reschedule_cmd
      .option("--timeout", options->timeout_seconds,
              "Seconds to wait for the services (default 10)")
      .whole_number();
  reschedule_cmd.runs([options](const Invocation& in) { return reschedule(in.config, *options); });
}

}  // namespace orch::cli
