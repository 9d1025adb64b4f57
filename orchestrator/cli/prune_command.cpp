#include <chrono>
#include <iostream>
#include <memory>

#include "orchestrator/cli/commands.h"
#include "orchestrator/core/history_prune.h"

namespace orch::cli {
namespace {

struct PruneOptions {
  bool dry_run = false;
};

int prune(const config::Config& config, const PruneOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  SysTime before = history_cutoff(now, config.history.keep_days);
  std::string older = " older than " + std::to_string(config.history.keep_days) +
                      " days (created before " + format_utc_seconds(before) + ")";
  if (options.dry_run) {
    auto count = (*db)->retention().count_older(before);
    if (!count) {
      return fail(count.error());
    }
    std::cout << "would delete " << count->runs << " runs and " << count->notifications
              << " notifications" << older << "\n";
    return kExitOk;
  }
  std::atomic<bool> never{false};
  auto pruned = prune_history((*db)->retention(), before, never);
  if (!pruned) {
    return fail(pruned.error());
  }
  if (Status ok = record_audit(**db, "prune", "", std::nullopt,
                               "{\"runs\":" + std::to_string(pruned->runs) +
                                   ",\"notifications\":" + std::to_string(pruned->notifications) +
                                   R"(,"created_before":")" + format_utc(before) + "\"}");
      !ok) {
    return fail(ok.error());
  }
  std::cout << "deleted " << pruned->runs << " runs and " << pruned->notifications
            << " notifications" << older << "\n";
  return kExitOk;
}

}  // namespace

void add_prune_command(Command& app) {
  auto options = std::make_shared<PruneOptions>();
  Command prune_cmd =
      app.subcommand("prune", "Delete the run history older than history.keep_days now");
  prune_cmd.flag("--dry-run", options->dry_run, "Only count what would be deleted");
  prune_cmd.runs([options](const Invocation& in) { return prune(in.config, *options); });
}

}  // namespace orch::cli
