#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <set>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/foreground_runs.h"
#include "orchestrator/cli/team_setup.h"
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

struct BackfillOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::string from;                     // YYYY-MM-DD
  std::string to;                       // YYYY-MM-DD
  bool force = false;
};

// The days asked for, checked.
struct DayRange {
  Date from;
  Date to;
  int days = 0;
};

Result<DayRange> parse_range(const BackfillOptions& options) {
  auto from = parse_date(options.from);
  if (!from) {
    return invalid_argument("--from: " + from.error().message);
  }
  auto to = parse_date(options.to);
  if (!to) {
    return invalid_argument("--to: " + to.error().message);
  }
  if (*to < *from) {
    return invalid_argument("--to " + options.to + " is before --from " + options.from +
                            ": give the oldest day first");
  }
  const int days = static_cast<int>((date::sys_days(*to) - date::sys_days(*from)).count()) + 1;
  if (days > kMaxDays) {
    return invalid_argument("--from/--to: " + std::to_string(days) +
                            " days is too many: backfill at most " + std::to_string(kMaxDays) +
                            " days at a time");
  }
  return DayRange{*from, *to, days};
}

// What it is about to run, written before the first run: a backfill can take hours, and one
// stopped half-way was still asked for.
Status audit_queued(const TeamSetup& setup, const BackfillOptions& options, const DayRange& range,
                    const std::set<std::string>& done) {
  int to_run = range.days;
  if (!options.force) {
    for (int i = 0; i < range.days; ++i) {
      to_run -= static_cast<int>(done.count(format_date(add_days(range.from, i))));
    }
  }
  nlohmann::json queued = {{"pipeline", setup.pipeline}, {"from", options.from},
                           {"to", options.to},           {"force", options.force},
                           {"days", range.days},         {"to_run", to_run}};
  const std::string own = setup.pipeline == kDefaultPipeline ? std::string() : setup.pipeline;
  const std::string target = setup.team ? team_target(*setup.team, own)
                                        : "general" + (own.empty() ? "" : "/pipeline:" + own);
  return record_audit(*setup.db, "backfill", target, std::nullopt, queued.dump());
}

// How the days went.
struct Tally {
  int completed = 0;
  int skipped = 0;
  int failed = 0;
  std::optional<Error> error;
  std::optional<std::string> stopped_at;
};

// Prints how the day's run ended and counts it; false when the days after it are not run.
bool count_outcome(const Result<RunOutcome>& outcome, const TeamSetup& setup, Date day,
                   const std::string& progress, Tally& tally) {
  if (!outcome) {
    tally.error = outcome.error();
    return false;
  }
  if (outcome->claim == ClaimOutcome::kTeamBusy) {
    tally.error = failed_precondition(
        describe_owner(setup.team, setup.pipeline) + " already has a run in progress (" +
        outcome->busy_run_id.str() + "); backfill stopped at " + format_date(day));
    return false;
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
    ++tally.completed;
  } else if (r.status == RunStatus::kSkipped) {
    ++tally.skipped;
  } else if (r.status == RunStatus::kInterrupted) {
    tally.stopped_at = format_date(day);
    return false;
  } else {
    ++tally.failed;
  }
  return true;
}

// Runs the days oldest first. Ctrl-C or SIGTERM stops the day in progress (recorded
// `interrupted`) and the days after it; the same command run again resumes, since completed days
// are skipped.
Tally run_days(ForegroundRuns& foreground, const TeamSetup& setup, const BackfillOptions& options,
               const DayRange& range, const std::set<std::string>& done) {
  pipeline::StopSignal& stop = foreground.stop();
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  Tally tally;
  for (int i = 0; i < range.days; ++i) {
    Date day = add_days(range.from, i);
    std::string progress = "[" + std::to_string(i + 1) + "/" + std::to_string(range.days) + "] " +
                           format_date(day) + ": ";
    if (stop.requested()) {
      tally.stopped_at = format_date(day);
      break;
    }
    if (!options.force && done.count(format_date(day)) != 0) {
      ++tally.skipped;
      std::cout << progress << "skipped: it has a completed run (--force runs it again)\n";
      continue;
    }
    if (terminal) {
      std::cout << progress << "running..." << std::flush;
    }
    RunRequest request;
    request.target = setup.target;
    request.trigger = Trigger::kBackfill;
    request.run_date = day;
    request.force = options.force;
    auto outcome = foreground.executor().execute(request, stop);
    if (terminal) {
      std::cout << "\r\033[K";  // the running line gives way to the outcome
    }
    if (!count_outcome(outcome, setup, day, progress, tally)) {
      break;
    }
  }
  return tally;
}

int run_backfill(const config::Config& config, const TeamSetup& setup,
                 const BackfillOptions& options, const DayRange& range,
                 const std::set<std::string>& done) {
  // Backfilled days are runs like any other: people hear of them through the configured channels.
  SystemClock clock;
  ForegroundRuns foreground(config, *setup.db, clock);
  Tally tally = run_days(foreground, setup, options, range, done);
  foreground.finish();
  foreground.notifier().flush();
  if (auto in_place = setup.db->verify_location(); !in_place) {
    return fail(
        unavailable(in_place.error().message + ": the days were recorded in the lost file"));
  }
  if (tally.error) {
    return fail(*tally.error);
  }
  std::cout << "backfill " << options.from << " to " << options.to << ": " << tally.completed
            << " completed, " << tally.failed << " failed, " << tally.skipped << " skipped";
  if (tally.stopped_at) {
    std::cout << "; interrupted at " << *tally.stopped_at
              << ": run the same command again to resume";
  }
  std::cout << "\n";
  return tally.failed > 0 || tally.stopped_at ? kExitRunFailed : kExitOk;
}

int backfill(const config::Config& config, const BackfillOptions& options) {
  if (options.general == options.team.has_value()) {
    return fail(invalid_argument("backfill: give exactly one of --team ID or --general"));
  }
  auto range = parse_range(options);
  if (!range) {
    return fail(range.error());
  }
  // The runs' and heartbeat's connections, and the two delivery threads'.
  auto setup = set_up_team(config, {options.team, options.pipeline, std::nullopt, 4,
                                    Database::OpenMode::kCreateIfMissing});
  if (!setup) {
    return fail(setup.error());
  }
  Date today = local_date(SystemClock().now(), *setup->target.zone);
  if (today < range->to) {
    return fail(invalid_argument("--to " + options.to + " is in the future (today is " +
                                 format_date(today) + " in " +
                                 std::string(setup->target.zone->name()) + ")"));
  }
  auto done = setup->db->runs().completed_run_dates(RunOwner{setup->team, setup->pipeline},
                                                    options.from, options.to);
  if (!done) {
    return fail(done.error());
  }
  if (Status ok = audit_queued(*setup, options, *range, *done); !ok) {
    return fail(ok.error());
  }
  return run_backfill(config, *setup, options, *range, *done);
}

}  // namespace

void add_backfill_command(Command& app) {
  auto options = std::make_shared<BackfillOptions>();
  Command backfill_cmd = app.subcommand(
      "backfill", "Run the days a team missed, oldest first, each with that day's dates");
  backfill_cmd.option("--team", options->team, "The team's id");
  backfill_cmd.flag("--general", options->general, "The general run (no team)");
  backfill_cmd.option("--pipeline", options->pipeline, "The pipeline to run (default: daily)");
  backfill_cmd.option("--from", options->from, "The first day, YYYY-MM-DD").required();
  backfill_cmd.option("--to", options->to, "The last day, YYYY-MM-DD").required();
  backfill_cmd.flag("--force", options->force, "Also run days that already have a completed run");
  backfill_cmd.runs([options](const Invocation& in) { return backfill(in.config, *options); },
                    Isolation::kSettled);
}

}  // namespace orch::cli
