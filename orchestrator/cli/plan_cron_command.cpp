#include <iostream>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "config/base/clock.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/cli/plan_options.h"
#include "orchestrator/schedule/cron_next_fire.h"

namespace orch::cli {

// The contract that lets anyone compare our time semantics with other cron implementations. It
// touches no database, so it works before any set-up.
int plan_cron(const config::Config& config, const PlanOptions& options) {
  if (options.team) {
    return fail(invalid_argument("--team and --cron cannot be combined"));
  }
  auto cron = parse_cron(*options.cron);
  if (!cron) {
    return fail(cron.error());
  }
  const date::time_zone* zone = config.scheduler.zone;
  if (options.timezone) {
    auto found = find_zone(*options.timezone);
    if (!found) {
      return fail(invalid_argument("--timezone: " + found.error().message));
    }
    zone = *found;
  }
  SysTime after = SystemClock().now();
  if (options.after) {
    auto parsed = parse_utc(*options.after);
    if (!parsed) {
      return fail(invalid_argument("--after: " + parsed.error().message));
    }
    after = *parsed;
  }
  std::vector<SysTime> fires = next_cron_fires(*cron, *zone, after, options.count);
  if (options.format == Format::kJson) {
    nlohmann::json out = nlohmann::json::array();
    for (SysTime t : fires) {
      out.push_back(format_utc_seconds(t));
    }
    std::cout << out.dump() << "\n";
    return kExitOk;
  }
  Table table;
  table.when_empty = "the expression never fires";
  table.columns = {{"utc"}, {"local_time"}};
  for (SysTime t : fires) {
    table.rows.push_back({format_utc_seconds(t), format_local(t, *zone)});
  }
  print(table, options.format, std::cout);
  return kExitOk;
}

}  // namespace orch::cli
