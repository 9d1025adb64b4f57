#include <malloc.h>

#include "config/base/clock.h"
#include "config/base/log.h"
#include "notify/notifier.h"
#include "orchestrator/api/http_api.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/core/service.h"
#include "pipeline/process_launcher.h"

namespace orch::cli {
namespace {

int serve(const config::Config& config) {
  // Blocks of 128 KiB and more (a scrape's text, a page of teams) come from mmap and go back to
  // the kernel when freed. Left to itself, glibc raises this threshold to the largest block freed
  // so far, after which those blocks are carved from each API thread's arena and stay there.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): called before any thread of this process starts.
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
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
  // What /metrics counts sees every run event and delivery on its way to the real ones.
  api::ServiceMetrics metrics;
  auto recorder = api::make_counting_recorder(&(*db)->notifications(), metrics);
  auto notifier = notify::make_notifier(config, recorder.get(), clock);
  auto counted = api::make_counting_notifier(*notifier, metrics);
  auto launcher = pipeline::make_posix_process_launcher();
  Service service(config, **db, *counted, *launcher, clock);
  // Listening before the service starts: a busy port is refused at once (exit 2), and /readyz
  // says "starting" until the loop turns.
  auto http = api::HttpApi::start(config, metrics, [&service] { return service.last_loop_turn(); });
  if (!http) {
    return fail(http.error());
  }
  int code = service.run();
  http->reset();
  return code;
}

}  // namespace

void add_serve_command(Command& app) {
  Command serve_cmd = app.subcommand("serve", "Run the service until SIGTERM/SIGINT");
  serve_cmd.runs([](const Invocation& in) { return serve(in.config); }, Isolation::kSettled);
}

}  // namespace orch::cli
