#include <unistd.h>

#include <atomic>
#include <iostream>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/foreground_runs.h"
#include "orchestrator/core/run_executor.h"
#include "orchestrator/core/service.h"
#include "orchestrator/core/team_audit.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

// The longest range one command runs: ten years of days.
constexpr int kMaxDays = 3660;

Date add_days(Date d, int n) {
  return Date{date::sys_days(d) + date::days(n)};
}

}  // namespace

int backfill(const config::Config& config, const BackfillOptions& options) {
  if (options.general == options.team.has_value()) {
    return fail(invalid_argument("backfill: give exactly one of --team ID or --general"));
  }
  auto from = parse_date(options.from);
  if (!from) {
    return fail(invalid_argument("--from: " + from.error().message));
  }
  auto to = parse_date(options.to);
  if (!to) {
    return fail(invalid_argument("--to: " + to.error().message));
  }
  if (*to < *from) {
    return fail(invalid_argument("--to " + options.to + " is before --from " + options.from +
                                 ": give the oldest day first"));
  }
  const int days = static_cast<int>((date::sys_days(*to) - date::sys_days(*from)).count()) + 1;
  if (days > kMaxDays) {
    return fail(invalid_argument("--from/--to: " + std::to_string(days) +
                                 " days is too many: backfill at most " + std::to_string(kMaxDays) +
                                 " days at a time"));
  }
  auto team_id = parse_team_option(options.team);
  if (!team_id) {
    return fail(team_id.error());
  }
  auto pipeline = parse_pipeline_option(config, options.pipeline);
  if (!pipeline) {
    return fail(pipeline.error());
  }
  if (auto plugin = load_notify_plugin(config); !plugin) {
    return fail(plugin.error());
  }
  // The runs' and heartbeat's connections, and the two delivery threads'.
  auto db = open_database(config, 4, Database::OpenMode::kCreateIfMissing);
  if (!db) {
    return fail(db.error());
  }
  auto resolved = team_to_run(**db, config, *team_id, *pipeline);
  if (!resolved) {
    return fail(resolved.error());
  }
  SystemClock clock;
  Date today = local_date(clock.now(), *resolved->target.zone);
  if (today < *to) {
    return fail(invalid_argument("--to " + options.to + " is in the future (today is " +
                                 format_date(today) + " in " +
                                 std::string(resolved->target.zone->name()) + ")"));
  }
  auto done = (*db)->runs().completed_run_dates(RunOwner{team_key(*team_id), *pipeline},
                                                options.from, options.to);
  if (!done) {
    return fail(done.error());
  }

  // What it is about to run, written before the first run: a backfill can take hours, and one
  // stopped half-way was still asked for.
  int to_run = days;
  if (!options.force) {
    for (int i = 0; i < days; ++i) {
      to_run -= static_cast<int>(done->count(format_date(add_days(*from, i))));
    }
  }
  {
    nlohmann::json queued = {{"pipeline", *pipeline},  {"from", options.from}, {"to", options.to},
                             {"force", options.force}, {"days", days},         {"to_run", to_run}};
    const std::string own = *pipeline == kDefaultPipeline ? std::string() : *pipeline;
    const std::string target = *team_id ? team_target(**team_id, own)
                                        : "general" + (own.empty() ? "" : "/pipeline:" + own);
    if (Status ok = record_audit(**db, "backfill", target, std::nullopt, queued.dump()); !ok) {
      return fail(ok.error());
    }
  }

  // Backfilled days are runs like any other: people hear of them through the configured channels.
  // Ctrl-C or SIGTERM stops the day in progress (recorded `interrupted`) and the days after it;
  // the same command run again resumes, since completed days are skipped.
  ForegroundRuns foreground(config, **db, clock);
  RunExecutor& executor = foreground.executor();
  pipeline::StopSignal& stop = foreground.stop();

  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  int completed = 0, skipped = 0, failed = 0;
  std::optional<Error> error;
  std::optional<std::string> stopped_at;
  for (int i = 0; i < days; ++i) {
    Date day = add_days(*from, i);
    std::string progress =
        "[" + std::to_string(i + 1) + "/" + std::to_string(days) + "] " + format_date(day) + ": ";
    if (stop.requested()) {
      stopped_at = format_date(day);
      break;
    }
    if (!options.force && done->count(format_date(day)) != 0) {
      ++skipped;
      std::cout << progress << "skipped: it has a completed run (--force runs it again)\n";
      continue;
    }
    if (terminal) {
      std::cout << progress << "running..." << std::flush;
    }
    RunRequest request;
    request.target = resolved->target;
    request.trigger = Trigger::kBackfill;
    request.run_date = day;
    request.force = options.force;
    auto outcome = executor.execute(request, stop);
    if (terminal) {
      std::cout << "\r\033[K";  // the running line gives way to the outcome
    }
    if (!outcome) {
      error = outcome.error();
      break;
    }
    if (outcome->claim == ClaimOutcome::kTeamBusy) {
      error = failed_precondition(describe_owner(*team_id, *pipeline) +
                                  " already has a run in progress (" + outcome->busy_run_id +
                                  "); backfill stopped at " + format_date(day));
      break;
    }
    const RunRecord& r = outcome->record;
    std::cout << progress << to_string(r.status) << " " << r.run_id << " (purchase date "
              << r.purchase_date << ")";
    if (r.total_loans) {
      std::cout << ", total_loans " << *r.total_loans;
    }
    if (!r.error.empty()) {
      std::cout << ": " << escape_controls(r.error);
    }
    std::cout << "\n" << std::flush;
    if (r.status == RunStatus::kCompleted) {
      ++completed;
    } else if (r.status == RunStatus::kSkipped) {
      ++skipped;
    } else if (r.status == RunStatus::kInterrupted) {
      stopped_at = format_date(day);
      break;
    } else {
      ++failed;
    }
  }

  foreground.finish();
  foreground.notifier().flush();
  if (auto in_place = (*db)->verify_location(); !in_place) {
    return fail(
        unavailable(in_place.error().message + ": the days were recorded in the lost file"));
  }
  if (error) {
    return fail(*error);
  }
  std::cout << "backfill " << options.from << " to " << options.to << ": " << completed
            << " completed, " << failed << " failed, " << skipped << " skipped";
  if (stopped_at) {
    std::cout << "; interrupted at " << *stopped_at << ": run the same command again to resume";
  }
  std::cout << "\n";
  return failed > 0 || stopped_at ? kExitRunFailed : kExitOk;
}

}  // namespace orch::cli
