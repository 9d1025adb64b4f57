#pragma once

// The commands of the `orchestrator` binary. cli.cpp parses the command line (CLI11 stays in that
// one file) into these plain option structs; each command lives in a file of its own.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "orchestrator/store/database.h"

namespace orch {
struct ResolvedTeam;
}

namespace orch::cli {

// The exit codes of PRODUCT.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitRunFailed = 1,
  kExitUsage = 2,
  kExitBusy = 3,
  kExitDatabase = 4,
  kExitTimeout = 5,
};

// Prints "error: <message>" on one line and returns the exit code its kind calls for. Once
// set_error_context() was called, the line ends with " (config: FILE, database: URL)".
int fail(const Error& error);
void set_error_context(const config::Config& config);

// Loads the email and Slack plugin when `channel` is given or notify.channels turns email or
// Slack on, so that a command that would send through them refuses to start without it: fails
// with kInvalidArgument (exit 2) and one line saying what needs it, where it was looked for and
// what to do.
Status load_notify_plugin(const config::Config& config,
                          std::optional<config::Channel> channel = std::nullopt);

// Opens the configured database (migrating it when needed). Only migrate, serve, run, backfill
// and teams add pass kCreateIfMissing; every other command fails (exit 4) on a missing SQLite file
// rather than leave an empty database behind.
Result<std::unique_ptr<Database>> open_database(const config::Config& config, int connections,
                                                Database::OpenMode mode);

// A --team option as typed: std::nullopt when absent; kInvalidArgument ("--team: ...") when it is
// not a team id.
Result<std::optional<TeamId>> parse_team_option(const std::optional<std::string>& text);

// A --pipeline option as typed: `daily` when absent; kInvalidArgument naming the configured
// pipelines when there is no such pipeline.
Result<std::string> parse_pipeline_option(const config::Config& config,
                                          const std::optional<std::string>& text);

// The team (std::nullopt: the general run) and pipeline to run now with its settings resolved;
// kNotFound (pointing to `orchestrator teams list`) when there is no such team.
Result<ResolvedTeam> team_to_run(Database& db, const config::Config& config,
                                 std::optional<TeamId> id, const std::string& pipeline);

// "team 3" or "general", and "'s month_end pipeline" for any pipeline but `daily`.
std::string describe_owner(const std::optional<TeamId>& team, const std::string& pipeline);

enum class Format { kTable, kJson, kCsv };

int serve(const config::Config& config);

struct RunOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::optional<std::string> purchase_date;
  bool force = false;  // run even when pipeline.skip_unchanged finds nothing new
};
int run(const config::Config& config, const RunOptions& options);

struct TeamOptions {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> run_time;
  std::optional<std::string> timezone;
  std::optional<std::string> cron;
  std::optional<std::string> retry_max_attempts;
  std::optional<std::string> retry_initial_delay;
  std::optional<std::string> retry_max_delay;
  std::optional<std::string> email;
  std::optional<std::string> slack_webhook;
  std::optional<std::string> pipelines;  // --pipelines a,b: the pipelines the team runs
  std::optional<std::string> wait_for_inputs;  // --wait-for-inputs S
  std::optional<std::string> after;            // --after general,3: the runs it waits for
  std::optional<std::string> dst_skipped;      // --dst-skipped shift|skip
  std::optional<std::string> dst_repeated;     // --dst-repeated first|last
  std::optional<std::string> overlap;          // --overlap skip|buffer-one
  std::optional<std::string> pipeline;   // --pipeline NAME: --run-time/--cron, pause apply to it
  std::optional<std::string> note;       // pause --note TEXT: why it is paused
  Format format = Format::kTable;
};
int teams_list(const config::Config& config, const TeamOptions& options);
int teams_add(const config::Config& config, const TeamOptions& options);
int teams_update(const config::Config& config, const TeamOptions& options);
int teams_set_active(const config::Config& config, const TeamOptions& options, bool active);
enum class Pause { kPause, kResume };
int teams_set_paused(const config::Config& config, const TeamOptions& options, Pause pause);

struct BackfillOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::string from;                     // YYYY-MM-DD
  std::string to;                       // YYYY-MM-DD
  bool force = false;
};
int backfill(const config::Config& config, const BackfillOptions& options);

struct RunsOptions {
  std::optional<std::string> team;  // an id, or "general"
  std::optional<std::string> pipeline;
  std::optional<std::string> status;
  std::optional<std::string> since;  // what parse_time_bound() reads, in the machine's zone
  std::optional<std::string> until;
  int limit = 20;
  Format format = Format::kTable;
};
int runs(const config::Config& config, const RunsOptions& options);

struct WhyOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::string date;                     // YYYY-MM-DD
  Format format = Format::kTable;
};
int why(const config::Config& config, const WhyOptions& options);

struct PlanOptions {
  std::optional<std::string> team;
  std::optional<std::string> pipeline;  // default: every pipeline
  int count = 3;
  Format format = Format::kTable;
  // `plan --cron`: the fire times of one expression, with no database involved.
  std::optional<std::string> cron;
  std::optional<std::string> timezone;  // default: scheduler.timezone
  std::optional<std::string> after;     // an ISO-8601 instant; default: now
};
int plan(const config::Config& config, const PlanOptions& options);
int plan_cron(const config::Config& config, const PlanOptions& options);

struct RescheduleOptions {
  int timeout_seconds = 10;
};
int reschedule(const config::Config& config, const RescheduleOptions& options);

// `trigger`: asks a live service to run the owner now (exit 5 when none takes it in time).
struct TriggerOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::optional<std::string> purchase_date;
  int timeout_seconds = 10;
};
int trigger(const config::Config& config, const TriggerOptions& options);

// `cancel RUN_ID`: a waiting run at once; a running one through the service that runs it.
struct CancelOptions {
  std::string run_id;
  int timeout_seconds = 30;
};
int cancel(const config::Config& config, const CancelOptions& options);

// `runs show RUN_ID`: the row, its inputs, metrics and notifications.
struct RunShowOptions {
  std::string run_id;
  Format format = Format::kTable;
};
int runs_show(const config::Config& config, const RunShowOptions& options);

// `logs RUN_ID [--tail N]`: the run's pipeline log.
struct LogsOptions {
  std::string run_id;
  std::optional<std::int64_t> tail;
};
int logs(const config::Config& config, const LogsOptions& options);

struct StatusOptions {
  Format format = Format::kTable;
};
int status(const config::Config& config, const StatusOptions& options);
struct NotifyTestOptions {
  std::string channel;              // "email" or "slack"
  std::optional<std::string> team;  // the id as typed: that team's own recipients
};
// Sends one test message now; exit 1 when it was not delivered (the reason is printed).
int notify_test(const config::Config& config, const NotifyTestOptions& options);

// `pipelines list`: each configured pipeline, its schedule and the teams that run it.
struct PipelinesOptions {
  Format format = Format::kTable;
};
int pipelines_list(const config::Config& config, const PipelinesOptions& options);

int migrate(const config::Config& config);

struct PruneOptions {
  bool dry_run = false;
};
// Deletes the history older than history.keep_days now (see HistoryRetention) and says how many
// rows went; --dry-run only counts them.
int prune(const config::Config& config, const PruneOptions& options);
// Prints the effective configuration, and `isolation` (what pipelines get) as a comment, then
// checks what serve will need (the plugin, the pipeline command, the folders, the database):
// one "error: check-config: ..." line per problem and exit 2 if there is any.
int check_config(const config::Config& config, const std::string& isolation);

// `audit`: the audit log, newest first.
struct AuditOptions {
  int limit = 50;
  std::optional<std::string> target;
  std::optional<std::string> actor;
  Format format = Format::kTable;
};
int audit(const config::Config& config, const AuditOptions& options);

// Writes the audit row of a change this command made, by cli_actor(), at the current time.
// The change is already made: a failure here is reported as the command's error.
Status record_audit(Database& db, const std::string& action, const std::string& target,
                    std::optional<std::string> before, std::optional<std::string> after);

}  // namespace orch::cli
