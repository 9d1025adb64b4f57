#include "config/base/clock.h"
#include "config/base/log.h"
#include "notify/notifier.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/core/service.h"
#include "pipeline/process_launcher.h"

namespace orch::cli {

int serve(const config::Config& config) {
  // A connection per worker, plus the loop's and the heartbeat's.
  auto db = open_database(config, config.scheduler.max_parallel_runs + 2);
  if (!db) {
    return fail(db.error());
  }
  std::vector<std::unique_ptr<notify::Notifier>> channels;
  channels.push_back(notify::make_log_notifier());
  auto notifier = notify::make_fanout_notifier(std::move(channels));
  auto launcher = pipeline::make_posix_process_launcher();
  SystemClock clock;
  Service service(config, **db, *notifier, *launcher, clock);
  return service.run();
}

}  // namespace orch::cli
