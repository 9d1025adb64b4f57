#include "config/base/clock.h"
#include "config/base/log.h"
#include "notify/notifier.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/core/service.h"
#include "pipeline/process_launcher.h"

namespace orch::cli {

int serve(const config::Config& config) {
  if (auto plugin = load_notify_plugin(config); !plugin) {
    return fail(plugin.error());
  }
  // On PostgreSQL a connection per worker, plus the loop's, the heartbeat's and the two delivery
  // threads'. (SQLite shares one: see Database::open.)
  auto db = open_database(config, config.scheduler.max_parallel_runs + 4,
                          Database::OpenMode::kCreateIfMissing);
  if (!db) {
    return fail(db.error());
  }
  SystemClock clock;
  auto notifier = notify::make_notifier(config, &(*db)->notifications(), clock);
  auto launcher = pipeline::make_posix_process_launcher();
  Service service(config, **db, *notifier, *launcher, clock);
  return service.run();
}

}  // namespace orch::cli
