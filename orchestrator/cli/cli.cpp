#include "orchestrator/cli/cli.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/base/journal_socket.h"
#include "config/base/log.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/usage_errors.h"
#include "orchestrator/core/version.h"
#include "orchestrator/schedule/cron_expression.h"
#include "pipeline/isolation.h"

namespace orch::cli {
namespace {

// The bundled example pipeline and the sandbox helper: beside the binary (the build tree), else
// where an install puts them (/usr/lib/orchestrator for /usr/bin/orchestrator).
std::filesystem::path companion(const char* name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return name;
  }
  auto beside = self.parent_path() / name;
  auto installed = (self.parent_path() / ORCH_COMPANION_DIR_FROM_BIN / name).lexically_normal();
  return std::filesystem::exists(beside, ec) || !std::filesystem::exists(installed, ec) ? beside
                                                                                        : installed;
}

void add_format(CLI::App* command, Format& format, bool with_csv = true) {
  static const std::map<std::string, Format> kAll{
      {"table", Format::kTable}, {"json", Format::kJson}, {"csv", Format::kCsv}};
  static const std::map<std::string, Format> kNoCsv{{"table", Format::kTable},
                                                    {"json", Format::kJson}};
  command->add_option("--format", format, "Output format")
      ->transform(CLI::Transformer(with_csv ? kAll : kNoCsv).description(""))
      // A transform runs before those added earlier: the name is checked, then mapped.
      ->transform(with_csv ? one_of({"table", "json", "csv"}) : one_of({"table", "json"}));
}

void add_team_settings(CLI::App* command, TeamOptions& o) {
  command->add_option("--name", o.name, "The team's name");
  command->add_option("--run-time", o.run_time,
                      "Daily run time of its daily pipeline (or of --pipeline), HH:MM or "
                      "HH:MM:SS (\"\": the default)");
  command->add_option("--timezone", o.timezone, "IANA time zone (\"\": the default)");
  command->add_option("--cron", o.cron,
                      "A 5-field cron expression instead of a daily run time, for its daily "
                      "pipeline (or --pipeline) (\"\": none)");
  command->add_option("--retry-max-attempts", o.retry_max_attempts,
                      "This team's pipeline.retry.max_attempts, 1-100 (\"\": the default)");
  command->add_option("--retry-initial-delay", o.retry_initial_delay,
                      "This team's pipeline.retry.initial_delay_seconds (\"\": the default)");
  command->add_option("--retry-max-delay", o.retry_max_delay,
                      "This team's pipeline.retry.max_delay_seconds (\"\": the default)");
  command->add_option("--email", o.email, "Notification email addresses, comma-separated");
  command->add_option("--slack-webhook", o.slack_webhook, "The team's Slack webhook URL");
  command->add_option("--wait-for-inputs", o.wait_for_inputs,
                      "Seconds its scheduled run waits for its inputs (\"\": the default)");
  command->add_option("--after", o.after,
                      "Runs of the same run date it waits for: general, team ids, ID:PIPELINE, "
                      "comma-separated (\"\": none)");
  command->add_option("--dst-skipped", o.dst_skipped,
                      "A run time daylight saving skips: shift (run at the end of the jump) or "
                      "skip (no run that day) (\"\": the default)");
  command->add_option("--dst-repeated", o.dst_repeated,
                      "A run time daylight saving repeats: first or last occurrence (\"\": the "
                      "default)");
  command->add_option("--overlap", o.overlap,
                      "A slot that finds the previous run still going: skip, or buffer-one "
                      "(start when it ends, within the misfire grace) (\"\": skip)");
  command->add_option("--pipelines", o.pipelines,
                      "The pipelines the team runs, comma-separated (\"\": those configured "
                      "for it)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Pipeline Orchestrator: runs the daily data pipeline once per sales team, each in its own "
      "folders, records every run in SQL and tells people how it went."};
  app.name("orchestrator");
  install_usage_errors(app);
  app.require_subcommand(1);
  // Accepted after any command too (fallthrough): `orchestrator serve --version`.
  app.set_version_flag("--version", "orchestrator " + std::string(version()));
  app.fallthrough();
  // As with most command lines, an option given twice takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  std::optional<std::string> config_path, log_level, log_format;
  app.add_option("--config", config_path,
                 "TOML configuration file (default: $ORCHESTRATOR_CONFIG, else "
                 "./orchestrator.toml, else /etc/orchestrator/orchestrator.toml, if present)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->check(one_of({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", log_format, "text, json or journal")
      ->check(one_of({"text", "json", "journal"}));

  auto* serve_cmd = app.add_subcommand("serve", "Run the service until SIGTERM/SIGINT");

  RunOptions run_options;
  auto* run_cmd = app.add_subcommand("run", "Run one team (or the general run) now");
  run_cmd->add_option("--team", run_options.team, "The team's id");
  run_cmd->add_flag("--general", run_options.general, "The general run (no team)");
  run_cmd->add_option("--pipeline", run_options.pipeline, "The pipeline to run (default: daily)");
  run_cmd->add_option("--purchase-date", run_options.purchase_date,
                      "YYYY-MM-DD instead of the computed one");
  run_cmd->add_flag("--force", run_options.force,
                    "Run even when pipeline.skip_unchanged finds the inputs unchanged");

  BackfillOptions backfill_options;
  auto* backfill_cmd = app.add_subcommand(
      "backfill", "Run the days a team missed, oldest first, each with that day's dates");
  backfill_cmd->add_option("--team", backfill_options.team, "The team's id");
  backfill_cmd->add_flag("--general", backfill_options.general, "The general run (no team)");
  backfill_cmd->add_option("--pipeline", backfill_options.pipeline,
                           "The pipeline to run (default: daily)");
  backfill_cmd->add_option("--from", backfill_options.from, "The first day, YYYY-MM-DD")
      ->required();
  backfill_cmd->add_option("--to", backfill_options.to, "The last day, YYYY-MM-DD")->required();
  backfill_cmd->add_flag("--force", backfill_options.force,
                         "Also run days that already have a completed run");

  RescheduleOptions reschedule_options;
  auto* reschedule_cmd = app.add_subcommand(
      "reschedule", "Make every live service reload the teams; print the new schedule");
  reschedule_cmd
      ->add_option("--timeout", reschedule_options.timeout_seconds,
                   "Seconds to wait for the services (default 10)")
      ->check(whole_number());

  TeamOptions team_options;
  auto* teams_cmd = app.add_subcommand("teams", "Manage sales teams");
  teams_cmd->require_subcommand(1);
  auto* teams_list_cmd = teams_cmd->add_subcommand("list", "List every team");
  add_format(teams_list_cmd, team_options.format);
  auto* teams_add_cmd = teams_cmd->add_subcommand("add", "Add a team");
  teams_add_cmd->add_option("--id", team_options.id, "The team's id (default: the next free)");
  add_team_settings(teams_add_cmd, team_options);
  auto* teams_update_cmd = teams_cmd->add_subcommand("update", "Change a team's settings");
  teams_update_cmd->add_option("id", team_options.id, "The team's id")->required();
  add_team_settings(teams_update_cmd, team_options);
  teams_update_cmd->add_option("--pipeline", team_options.pipeline,
                               "--run-time and --cron set this pipeline's schedule (default: "
                               "daily)");
  auto* teams_deactivate_cmd = teams_cmd->add_subcommand("deactivate", "Stop scheduling a team");
  teams_deactivate_cmd->add_option("id", team_options.id, "The team's id")->required();
  auto* teams_activate_cmd = teams_cmd->add_subcommand("activate", "Schedule a team again");
  teams_activate_cmd->add_option("id", team_options.id, "The team's id")->required();
  auto* teams_pause_cmd =
      teams_cmd->add_subcommand("pause", "Stop a team's schedule, keeping it active");
  teams_pause_cmd->add_option("id", team_options.id, "The team's id")->required();
  teams_pause_cmd->add_option("--pipeline", team_options.pipeline,
                              "Pause only this pipeline of the team");
  teams_pause_cmd->add_option("--note", team_options.note,
                              "Why it is paused: shown by teams list and the API until resumed");
  auto* teams_resume_cmd = teams_cmd->add_subcommand(
      "resume", "Restart a paused team's schedule (what it missed is not replayed)");
  teams_resume_cmd->add_option("id", team_options.id, "The team's id")->required();
  teams_resume_cmd->add_option("--pipeline", team_options.pipeline,
                               "Resume only this pipeline of the team");
  teams_resume_cmd->add_option("--note", team_options.note,
                               "Why it is resumed: kept in the audit log (the pause note is cleared)");

  RunsOptions runs_options;
  auto* runs_cmd = app.add_subcommand("runs", "The run history, newest first");
  runs_cmd->add_option("--team", runs_options.team, "A team's id, or 'general'");
  runs_cmd->add_option("--pipeline", runs_options.pipeline, "Only this pipeline's runs");
  runs_cmd->add_option("--status", runs_options.status, "running, completed, failed, ...");
  runs_cmd->add_option("--since", runs_options.since,
                       "Runs created at or after: 2026-12-04T19:00 (local time), 2026-12-04, an "
                       "instant with Z or +HH:MM, 30m, 2h, 7d (ago), today, yesterday");
  runs_cmd->add_option("--until", runs_options.until,
                       "Runs created before: the same forms as --since");
  runs_cmd->add_option("--limit", runs_options.limit, "At most this many runs (default 20)")
      ->check(whole_number());
  add_format(runs_cmd, runs_options.format);
  RunShowOptions run_show_options;
  auto* runs_show_cmd =
      runs_cmd->add_subcommand("show", "One run: its row, inputs, metrics and notifications");
  runs_show_cmd->add_option("run_id", run_show_options.run_id, "The run's id")->required();
  add_format(runs_show_cmd, run_show_options.format, false);

  LogsOptions logs_options;
  auto* logs_cmd = app.add_subcommand("logs", "A run's pipeline log");
  logs_cmd->add_option("run_id", logs_options.run_id, "The run's id")->required();
  logs_cmd->add_option("--tail", logs_options.tail, "Only its last N lines");

  TriggerOptions trigger_options;
  auto* trigger_cmd = app.add_subcommand(
      "trigger", "Ask a live service to run one team (or the general run) now; print its run id");
  trigger_cmd->add_option("--team", trigger_options.team, "The team's id");
  trigger_cmd->add_flag("--general", trigger_options.general, "The general run");
  trigger_cmd->add_option("--pipeline", trigger_options.pipeline, "The pipeline (default daily)");
  trigger_cmd->add_option("--purchase-date", trigger_options.purchase_date,
                          "YYYY-MM-DD (default: from the run date)");
  trigger_cmd->add_option("--timeout", trigger_options.timeout_seconds,
                          "Seconds to wait for a live service to take it (default 10)");

  CancelOptions cancel_options;
  auto* cancel_cmd = app.add_subcommand(
      "cancel", "Cancel a run: a waiting one at once, a running one through its service");
  cancel_cmd->add_option("run_id", cancel_options.run_id, "The run's id")->required();
  cancel_cmd->add_option("--timeout", cancel_options.timeout_seconds,
                         "Seconds to wait for the run to stop (default 30)");

  WhyOptions why_options;
  auto* why_cmd = app.add_subcommand(
      "why", "What happened to a team's pipeline on one day, and why (or why nothing ran)");
  why_cmd->add_option("--team", why_options.team, "The team's id");
  why_cmd->add_flag("--general", why_options.general, "The general run (no team)");
  why_cmd->add_option("--pipeline", why_options.pipeline, "The pipeline (default: daily)");
  why_cmd->add_option("--date", why_options.date, "The day, YYYY-MM-DD, in the team's zone")
      ->required();
  add_format(why_cmd, why_options.format, false);

  PlanOptions plan_options;
  auto* plan_cmd =
      app.add_subcommand("plan", "The next fire times of every pipeline of every active team");
  plan_cmd->add_option("--team", plan_options.team, "Only this team's id, or 'general'");
  plan_cmd->add_option("--pipeline", plan_options.pipeline, "Only this pipeline");
  plan_cmd->add_option("--count", plan_options.count, "Slots per team (default 3)")
      ->check(whole_number());
  plan_cmd->add_option("--cron", plan_options.cron,
                       "Only the fire times of this 5-field cron expression (no teams)");
  plan_cmd->add_option("--timezone", plan_options.timezone,
                       "With --cron: the IANA zone (default: scheduler.timezone)");
  plan_cmd->add_option("--after", plan_options.after,
                       "With --cron: fire times strictly after this ISO-8601 instant "
                       "(default: now)");
  add_format(plan_cmd, plan_options.format);

  PipelinesOptions pipelines_options;
  auto* pipelines_cmd = app.add_subcommand("pipelines", "The configured pipelines");
  pipelines_cmd->require_subcommand(1);
  auto* pipelines_list_cmd = pipelines_cmd->add_subcommand(
      "list", "Each pipeline, its schedule and the teams that run it");
  add_format(pipelines_list_cmd, pipelines_options.format);

  StatusOptions status_options;
  auto* status_cmd =
      app.add_subcommand("status", "The services sharing the database, with their last heartbeat");
  add_format(status_cmd, status_options.format);
  NotifyTestOptions notify_options;
  auto* notify_cmd = app.add_subcommand("notify", "Check the notification set-up");
  notify_cmd->require_subcommand(1);
  auto* notify_test_cmd =
      notify_cmd->add_subcommand("test", "Send a test message through one channel now");
  notify_test_cmd->add_option("--channel", notify_options.channel, "email or slack")
      ->required()
      ->check(one_of({"email", "slack"}));
  notify_test_cmd->add_option("--team", notify_options.team,
                              "Use this team's own recipients (default: the configured ones)");

  AuditOptions audit_options;
  auto* audit_cmd =
      app.add_subcommand("audit", "Who changed what (teams, reschedules, backfills), newest first");
  audit_cmd->add_option("--limit", audit_options.limit, "At most this many entries (default 50)");
  audit_cmd->add_option("--target", audit_options.target,
                        "Only this target: team:7 (with its pipelines), "
                        "team:7/pipeline:month_end, run:ID, general");
  audit_cmd->add_option("--actor", audit_options.actor, "Only this actor: cli:USER, api:TOKEN");
  add_format(audit_cmd, audit_options.format);

  auto* migrate_cmd = app.add_subcommand("migrate", "Create or upgrade the database schema");
  PruneOptions prune_options;
  auto* prune_cmd =
      app.add_subcommand("prune", "Delete the run history older than history.keep_days now");
  prune_cmd->add_flag("--dry-run", prune_options.dry_run, "Only count what would be deleted");
  auto* check_cmd =
      app.add_subcommand("check-config",
                         "Validate the configuration, print it (secrets redacted) and check what "
                         "serve needs: plugin, pipeline command, folders, database");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  config::LoadOptions load;
  if (config_path) {
    load.config_path = std::filesystem::path(*config_path);
  }
  load.working_dir = std::filesystem::current_path();
  load.env = config::process_environment();
  load.default_pipeline = companion("orchestrator-example-pipeline");
  load.sandbox_helper = companion("orchestrator-sandbox");
  load.check_cron = [](std::string_view expression) -> Result<void> {
    if (auto cron = parse_cron(expression); !cron) {
      return cron.error();
    }
    return {};
  };
  auto loaded = config::load(load);
  if (!loaded) {
    return fail(loaded.error());
  }
  config::Config config = std::move(*loaded);
  set_error_context(config);
  if (log_level) {
    auto level = log::parse_level(*log_level);
    if (!level) {
      return fail(invalid_argument("--log-level: " + level.error().message));
    }
    config.log.level = *level;
  }
  if (log_format) {
    if (*log_format != "text" && *log_format != "json" && *log_format != "journal") {
      return fail(invalid_argument("--log-format: '" + *log_format +
                                   "' is not allowed: use text, json or journal"));
    }
    config.log.format = *log_format == "json"      ? log::Format::kJson
                        : *log_format == "journal" ? log::Format::kJournal
                                                   : log::Format::kText;
  }
  // Under systemd, text lines go to the journal in its own form: native fields through its
  // socket, else lines with a priority and no timestamp.
  std::string journal_socket;
  if (auto stream = load.env.find("JOURNAL_STREAM"); config.log.format != log::Format::kJson &&
                                                     stream != load.env.end() &&
                                                     log::is_journal_stream(stream->second)) {
    config.log.format = log::Format::kJournal;
    journal_socket = log::kJournalSocket;
  }
  log::init(config.log.level, config.log.format, journal_socket);

  // Isolation that is required but unavailable refuses the commands that run pipelines (exit 2);
  // the warning when it is only wanted comes from the RunExecutor that would run them.
  if (serve_cmd->parsed() || run_cmd->parsed() || backfill_cmd->parsed() || check_cmd->parsed()) {
    auto isolation = pipeline::settle_isolation(config);
    if (!isolation) {
      return fail(isolation.error());
    }
    for (const config::NamedPipeline& named : config.pipelines) {
      if (auto own = pipeline::settle_isolation(config::with_pipeline(config, named)); !own) {
        return fail(Error{own.error().code, "pipeline " + named.name + ": " + own.error().message});
      }
    }
    if (check_cmd->parsed()) {
      return check_config(config, pipeline::describe(*isolation));
    }
  }

  if (serve_cmd->parsed()) {
    return serve(config);
  }
  if (run_cmd->parsed()) {
    return run(config, run_options);
  }
  if (backfill_cmd->parsed()) {
    return backfill(config, backfill_options);
  }
  if (reschedule_cmd->parsed()) {
    return reschedule(config, reschedule_options);
  }
  if (teams_list_cmd->parsed()) {
    return teams_list(config, team_options);
  }
  if (teams_add_cmd->parsed()) {
    return teams_add(config, team_options);
  }
  if (teams_update_cmd->parsed()) {
    return teams_update(config, team_options);
  }
  if (teams_deactivate_cmd->parsed() || teams_activate_cmd->parsed()) {
    return teams_set_active(config, team_options, teams_activate_cmd->parsed());
  }
  if (teams_pause_cmd->parsed() || teams_resume_cmd->parsed()) {
    return teams_set_paused(config, team_options,
                            teams_pause_cmd->parsed() ? Pause::kPause : Pause::kResume);
  }
  if (runs_show_cmd->parsed()) {
    return runs_show(config, run_show_options);
  }
  if (runs_cmd->parsed()) {
    return runs(config, runs_options);
  }
  if (logs_cmd->parsed()) {
    return logs(config, logs_options);
  }
  if (trigger_cmd->parsed()) {
    return trigger(config, trigger_options);
  }
  if (cancel_cmd->parsed()) {
    return cancel(config, cancel_options);
  }
  if (why_cmd->parsed()) {
    return why(config, why_options);
  }
  if (plan_cmd->parsed()) {
    return plan(config, plan_options);
  }
  if (pipelines_list_cmd->parsed()) {
    return pipelines_list(config, pipelines_options);
  }
  if (status_cmd->parsed()) {
    return status(config, status_options);
  }
  if (notify_test_cmd->parsed()) {
    return notify_test(config, notify_options);
  }
  if (migrate_cmd->parsed()) {
    return migrate(config);
  }
  if (prune_cmd->parsed()) {
    return prune(config, prune_options);
  }
  if (audit_cmd->parsed()) {
    return audit(config, audit_options);
  }
  return kExitUsage;
}

}  // namespace orch::cli
