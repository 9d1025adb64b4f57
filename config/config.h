#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "config/base/ids.h"
#include "config/base/log.h"
#include "config/base/result.h"
#include "config/base/time.h"

namespace date {
class time_zone;
}

namespace orch::config {

enum class Channel { kLog, kEmail, kSlack };

// How the SMTP connection is secured: none, STARTTLS on a plain connection (port 587), or TLS from
// the first byte (SMTPS, port 465).
enum class SmtpTls { kPlain, kStartTls, kTls };

// The names of the events notify.events routes, in the order describe() prints them:
// run_started, run_completed, run_failed, run_timed_out, run_abandoned, run_missed, run_skipped,
// run_missed_inputs (a run whose inputs were not ready by the end of its waiting window),
// run_upstream_failed (a run whose upstream ended without completing),
// team_failing (notify.alert_after_failures failed runs in a row), team_recovered.
std::span<const std::string_view> event_names();

struct SchedulerConfig {
  bool enabled = true;                              // ENABLE_SCHEDULER
  TimeOfDay daily_run_time{std::chrono::hours(2)};  // DAILY_RUN_TIME
  std::string timezone = "UTC";                     // SCHEDULER_TIMEZONE
  const date::time_zone* zone = nullptr;            // `timezone`, looked up; never null after load
  std::chrono::seconds misfire_grace{3600};         // MISFIRE_GRACE_SECONDS
  bool general_run = true;                          // GENERAL_RUN_ENABLED
  int max_parallel_runs = 0;                        // MAX_PARALLEL_RUNS (default: cores)
  std::chrono::seconds shutdown_grace{30};          // SHUTDOWN_GRACE_SECONDS
  // A service silent for this long is taken for dead: its running runs are abandoned (and rerun
  // inside their grace window) by another service. Services beat every fifth of it.
  std::chrono::seconds heartbeat_timeout{20};  // HEARTBEAT_TIMEOUT_SECONDS
  // `status` forgets a service silent for this long (killed without a clean stop, never back).
  std::chrono::hours forget_silent_after{168};  // FORGET_SILENT_AFTER_HOURS
  // The longest a waiting run goes unchecked: its poll where inotify cannot watch its input
  // folder, and the fallback beside inotify where it can.
  std::chrono::seconds input_poll{15};  // SCHEDULER_INPUT_POLL_SECONDS
  // DEFAULT_CRON: a 5-field cron expression every team without its own schedule (and the
  // general run) follows instead of daily_run_time.
  std::optional<std::string> default_cron;
  // What a fixed run time does when daylight saving skips it ("shift": at the end of the jump;
  // "skip": not that day) or repeats it ("first", "last"); a team may choose its own.
  std::string dst_skipped = "shift";   // SCHEDULER_DST_SKIPPED
  std::string dst_repeated = "first";  // SCHEDULER_DST_REPEATED
};

struct PathsConfig {
  std::filesystem::path input_dir = "./data/inputs";    // INPUT_DIR
  std::filesystem::path output_dir = "./data/outputs";  // OUTPUT_DIR
  int keep_runs = 14;                                   // KEEP_RUNS: run folders kept per team
};

struct DatabaseConfig {
  std::string url = "sqlite:./data/orchestrator.db";  // DATABASE_URL
};

// Retries of a scheduled run that failed or timed out: attempt n+1 starts after
// min(initial_delay * 2^(n-1), max_delay), shortened by up to half at random (jitter), provided
// it still starts on the slot's run date. max_attempts 1: no retries.
struct RetryConfig {
  int max_attempts = 1;                    // PIPELINE_RETRY_MAX_ATTEMPTS
  std::chrono::seconds initial_delay{60};  // PIPELINE_RETRY_INITIAL_DELAY_SECONDS
  std::chrono::seconds max_delay{3600};    // PIPELINE_RETRY_MAX_DELAY_SECONDS
  friend bool operator==(const RetryConfig&, const RetryConfig&) = default;
};

// How a pipeline is kept from other teams' files and the service's own: in a Landlock sandbox,
// or not at all.
enum class Isolation { kLandlock, kNone };

struct PipelineConfig {
  std::vector<std::string> command;                // PIPELINE_COMMAND (argv, no shell)
  std::chrono::seconds timeout{3600};              // PIPELINE_TIMEOUT_SECONDS
  date::weekday purchase_weekday = date::Tuesday;  // PURCHASE_WEEKDAY
  std::vector<std::string> required_inputs;        // glob patterns; {run_date:FMT} allowed
  // How long a scheduled run waits, from its slot, for its required inputs to be there and
  // settled (or the ready marker there) before it is recorded missed_inputs; 0: it never waits.
  std::chrono::seconds wait_for_inputs{0};  // PIPELINE_WAIT_FOR_INPUTS_SECONDS
  // A required input counts as settled once it has not changed for this long.
  std::chrono::seconds input_settle{10};  // PIPELINE_INPUT_SETTLE_SECONDS
  // A file of the input folder whose presence says the inputs are complete (e.g. "_SUCCESS"):
  // set, it replaces the settle check. Empty: none.
  std::string ready_marker;  // PIPELINE_READY_MARKER
  // A run whose inputs (names, sizes, hashes) equal those of the owner's last completed run is
  // recorded `skipped`, its outputs left as they are (`run --force` runs anyway).
  bool skip_unchanged = false;  // PIPELINE_SKIP_UNCHANGED
  // Run before the pipeline with its environment and sandbox: exit 0 runs the pipeline, exit
  // 100 records the run `skipped` (the first line of its output says why), anything else fails
  // it. Empty: none.
  std::vector<std::string> condition;      // PIPELINE_CONDITION (argv, no shell)
  std::map<std::string, std::string> env;  // extra environment for the pipeline
  std::uint64_t log_max_bytes = std::uint64_t{10} * 1024 * 1024;  // PIPELINE_LOG_MAX_BYTES
  int max_inputs = 10000;                                         // PIPELINE_MAX_INPUTS
  bool hash_inputs = true;                                        // PIPELINE_HASH_INPUTS
  RetryConfig retry;
  Isolation isolation = Isolation::kLandlock;     // PIPELINE_ISOLATION
  bool isolation_required = false;                // PIPELINE_ISOLATION_REQUIRED
  std::vector<std::filesystem::path> read_paths;  // more the sandbox may read (absolute)
  // orchestrator-sandbox, which enters the sandbox in the child (LoadOptions::sandbox_helper).
  std::filesystem::path sandbox_helper;
};

// One pipeline by name: `daily` (the [pipeline] table) or a [pipelines.<name>] table, whose
// unset keys are those of [pipeline]. Its schedule and who runs it are defaults: a team's own
// schedule, pause and choice of pipelines (teams update) win.
struct NamedPipeline {
  std::string name;
  PipelineConfig settings;
  std::optional<TimeOfDay> run_time;  // unset: scheduler.daily_run_time
  // A 5-field cron expression; unset: scheduler.default_cron unless run_time is set.
  std::optional<std::string> cron;
  // The teams that run it; unset: every active team.
  std::optional<std::vector<TeamId>> teams;
  bool general = true;  // the general run runs it too
};

struct SmtpConfig {
  std::string host;                  // SMTP_HOST
  int port = 25;                     // SMTP_PORT
  std::string user;                  // SMTP_USER
  std::string password;              // SMTP_PASSWORD (secret)
  std::string from;                  // SMTP_FROM
  bool starttls = false;             // SMTP_STARTTLS (same as tls = "starttls")
  SmtpTls tls = SmtpTls::kPlain;     // SMTP_TLS; the effective mode after load
  bool tls_given = false;            // notify.smtp.tls was set
  std::string ca_file;               // SMTP_CA_FILE: a CA (PEM) to trust instead
  std::chrono::seconds timeout{10};  // SMTP_TIMEOUT_SECONDS, per network step
};

// Retries of a notification delivery (not of a run: see RetryConfig).
struct DeliveryRetryConfig {
  int max_attempts = 5;                           // NOTIFY_RETRY_MAX_ATTEMPTS (tries in all)
  std::chrono::milliseconds initial_delay{2000};  // NOTIFY_RETRY_INITIAL_DELAY_MS, doubles
  std::chrono::milliseconds max_delay{60000};     // NOTIFY_RETRY_MAX_DELAY_MS
};

struct NotifyConfig {
  std::vector<Channel> channels{Channel::kLog};  // NOTIFY_CHANNELS
  SmtpConfig smtp;
  std::vector<std::string> email_to;       // NOTIFY_EMAIL_TO
  std::string slack_webhook_url;           // SLACK_WEBHOOK_URL (secret)
  std::string slack_ca_file;               // SLACK_CA_FILE: a CA (PEM) to trust
  std::chrono::seconds slack_timeout{10};  // SLACK_TIMEOUT_SECONDS
  // Which events each channel gets (names from event_names()); see default_events().
  std::map<Channel, std::vector<std::string>> events = default_events();
  int alert_after_failures = 3;  // NOTIFY_ALERT_AFTER_FAILURES; 0: no alerts
  DeliveryRetryConfig retry;
  int queue_size = 1000;                // NOTIFY_QUEUE_SIZE (waiting)
  std::chrono::seconds stop_grace{10};  // NOTIFY_STOP_GRACE_SECONDS

  // Everything to the log; failures, completions, misses, skips and alerts to email and Slack;
  // starts only to the log.
  static std::map<Channel, std::vector<std::string>> default_events();
};

// What a bearer token of the HTTP API may do: read, or read and act (admin).
enum class ApiRole { kRead, kAdmin };

// One token of api.tokens. The name says who acted (never the token, which is a secret).
struct ApiToken {
  std::string name;
  std::string token;
  ApiRole role = ApiRole::kRead;
};

struct ApiConfig {
  // HOST:PORT; "" (in the file): no HTTP server; port 0: any free port (logged at start).
  std::string listen = "127.0.0.1:8080";  // API_LISTEN
  std::string token;                      // API_TOKEN (secret; role admin)
  std::vector<ApiToken> tokens;           // api.tokens (secrets)
};

// How long the run history is kept: older pipeline_runs and notifications rows are deleted.
struct HistoryConfig {
  int keep_days = 400;  // HISTORY_KEEP_DAYS
};

struct LogConfig {
  log::Level level = log::Level::kInfo;     // LOG_LEVEL
  log::Format format = log::Format::kText;  // LOG_FORMAT
};

// The effective configuration: defaults, then the TOML file, then the environment (which wins).
// A plain value: every field is validated and every path made absolute by load().
struct Config {
  SchedulerConfig scheduler;
  PathsConfig paths;
  DatabaseConfig database;
  // The [pipeline] table: the `daily` pipeline as written, and what every other inherits.
  PipelineConfig pipeline;
  // Every pipeline, `daily` first, then the [pipelines.<name>] tables by name.
  std::vector<NamedPipeline> pipelines;
  NotifyConfig notify;
  ApiConfig api;
  HistoryConfig history;
  LogConfig log;
  std::optional<std::filesystem::path> source_file;  // the TOML file read, if any

  // The pipeline named `name`; null when there is none.
  const NamedPipeline* find_pipeline(std::string_view name) const;
  // "daily, month_end": the names, for messages that list what is allowed.
  std::string pipeline_names() const;
};

struct LoadOptions {
  // The file read: --config, else $ORCHESTRATOR_CONFIG (from `env`; either must exist), else
  // "orchestrator.toml" in `working_dir` if present, else `system_config` if present.
  std::optional<std::filesystem::path> config_path;
  std::filesystem::path system_config = "/etc/orchestrator/orchestrator.toml";
  // Relative paths in the configuration are taken relative to this folder.
  std::filesystem::path working_dir;
  // The environment to read overrides from (a snapshot, so tests need not touch the process's).
  std::map<std::string, std::string> env;
  // The bundled example pipeline, used when pipeline.command is not set.
  std::filesystem::path default_pipeline;
  // The installed orchestrator-sandbox, which pipelines are started through when sandboxed.
  std::filesystem::path sandbox_helper;
  // Checks scheduler.default_cron (the cron parser lives with the scheduler, which this library
  // must not include). Its error says what is wrong and what is allowed; null: not checked.
  Result<void> (*check_cron)(std::string_view expression) = nullptr;
};

// `config` as seen by one pipeline: its [pipeline] is that pipeline's settings (for code that
// reads config.pipeline, such as the sandbox).
Config with_pipeline(const Config& config, const NamedPipeline& pipeline);

// Sets config.pipelines to `daily` alone, from config.pipeline and config.scheduler.general_run:
// for a Config built in code rather than by load().
void name_default_pipeline(Config& config);

// Reads and validates the configuration. A bad value gives kInvalidArgument with one line that
// names the key (or variable), the value and what is allowed; an unknown key is refused too.
Result<Config> load(const LoadOptions& options);

// The process's environment as a map, for LoadOptions::env.
std::map<std::string, std::string> process_environment();

// The effective configuration as TOML, secrets (passwords, tokens, webhook URLs) redacted.
std::string describe(const Config& config);

// A database URL or libpq connection string with every secret it carries replaced by "***", for
// logs and messages: the password of the user information (postgresql://user:***@host/db), and
// `password` and `sslpassword` given as query parameters (?password=***) or as key=value words
// (host=db password=***, quoted values too). Anything else is shown as it is.
std::string redact_url(const std::string& url);

// `text` (an error from the database library, which may quote parts of the URL it was given)
// with every secret that `url` carries, as written or decoded, replaced by "***".
std::string hide_url_secrets(std::string text, const std::string& url);

}  // namespace orch::config
