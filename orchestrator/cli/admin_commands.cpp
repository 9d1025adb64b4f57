#include <iostream>

#include "orchestrator/cli/commands.h"

namespace orch::cli {
namespace {

int migrate(const config::Config& config) {
  auto db = open_database(config, 1, Database::OpenMode::kCreateIfMissing);
  if (!db) {
    return fail(db.error());
  }
  auto version = (*db)->migrate();
  if (!version) {
    return fail(version.error());
  }
  std::cout << "schema version " << *version << " in place (" << (*db)->describe() << ")\n";
  return kExitOk;
}

}  // namespace

void add_migrate_command(Command& app) {
  Command migrate_cmd = app.subcommand("migrate", "Create or upgrade the database schema");
  migrate_cmd.runs([](const Invocation& in) { return migrate(in.config); });
}

}  // namespace orch::cli
