#include <iostream>
#include <memory>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "notify/webhook_redaction.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/team_settings.h"
#include "orchestrator/core/pause_note.h"
#include "orchestrator/core/team_audit.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

Result<TeamId> required_id(const TeamOptions& o) {
  if (!o.id) {
    return invalid_argument("a team id is required");
  }
  return parse_team_id(*o.id);
}

int show(const config::Config& config, const Result<Team>& team, const TeamOptions& o,
         const char* what) {
  if (!team) {
    return fail(team.error());
  }
  if (o.format == Format::kTable) {
    std::cout << what << " team " << team->id.value << " (" << escape_controls(team->name) << ")";
    if (o.pipeline) {
      std::cout << "'s " << *o.pipeline << " pipeline";
    }
    std::cout << "; run `orchestrator reschedule` to apply it to a running service\n";
  } else {
    print(team_table(config, {*team}, o.format), o.format, std::cout);
  }
  return kExitOk;
}

// The team as it is before a change, for the audit log; nullopt when it does not exist (the
// change then fails and says so).
Result<std::optional<Team>> team_before(Database& db, TeamId id) {
  return db.teams().find(id);
}

// Shows the changed team and writes the change's audit entry (only once it succeeded).
int show_and_audit(const config::Config& config, Database& db, const Result<Team>& team,
                   const TeamOptions& o, const char* what, const std::string& action,
                   const std::string& target, const std::optional<Team>& before,
                   const std::optional<std::string>& resume_note = std::nullopt) {
  int shown = show(config, team, o, what);
  if (!team) {
    return shown;
  }
  AuditDiff diff = resume_note ? with_resume_note(team_diff(before, *team), *resume_note)
                               : team_diff(before, *team);
  if (Status ok = record_audit(db, action, target, diff.before, diff.after); !ok) {
    return fail(ok.error());
  }
  return shown;
}

int teams_list(const config::Config& config, const TeamOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto teams = (*db)->teams().list(TeamStore::Which::kAll);
  if (!teams) {
    return fail(teams.error());
  }
  print(team_table(config, *teams, options.format), options.format, std::cout);
  return kExitOk;
}

int teams_add(const config::Config& config, const TeamOptions& options) {
  if (!options.name) {
    return fail(invalid_argument("teams add: --name is required"));
  }
  std::optional<TeamId> id;
  if (options.id) {
    auto parsed = parse_team_id(*options.id);
    if (!parsed) {
      return fail(invalid_argument("--id: " + parsed.error().message));
    }
    id = *parsed;
  }
  auto changes = validate(config, options);
  if (!changes) {
    return fail(changes.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kCreateIfMissing);
  if (!db) {
    return fail(db.error());
  }
  // A new team has no one waiting for it yet, so it cannot close a cycle (id 0 stands for it).
  if (Status ok = check_upstreams(**db, id.value_or(TeamId{0}), changes->upstreams); !ok) {
    return fail(ok.error());
  }
  auto added = (*db)->teams().add(id, *options.name, *changes, SystemClock().now());
  return show_and_audit(config, **db, added, options, "added", "teams.add",
                        added ? team_target(added->id) : "", std::nullopt);
}

int teams_update(const config::Config& config, const TeamOptions& options) {
  auto id = required_id(options);
  if (!id) {
    return fail(id.error());
  }
  auto changes = validate(config, options);
  if (!changes) {
    return fail(changes.error());
  }
  auto pipeline = parse_pipeline_option(config, options.pipeline);
  if (!pipeline) {
    return fail(pipeline.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  if (Status ok = check_upstreams(**db, *id, changes->upstreams); !ok) {
    return fail(ok.error());
  }
  auto before = team_before(**db, *id);
  if (!before) {
    return fail(before.error());
  }
  SysTime now = SystemClock().now();
  const std::string target = team_target(*id);
  if (*pipeline == kDefaultPipeline) {
    return show_and_audit(config, **db, (*db)->teams().update(*id, *changes, now), options,
                          "updated", "teams.update", target, *before);
  }
  // --run-time and --cron set the schedule of the pipeline named; the rest is the team's.
  PipelineScheduleChanges schedule{changes->run_time, changes->cron};
  changes->run_time.reset();
  changes->cron.reset();
  auto updated = (*db)->teams().update(*id, *changes, now);
  if (!updated) {
    return fail(updated.error());
  }
  auto scheduled = (*db)->teams().update_pipeline(*id, *pipeline, schedule, now);
  if (!scheduled) {
    // The team's own settings were changed all the same: that part is audited. The error shown
    // is the schedule's, one line; the database that refused it will likely refuse this too.
    AuditDiff diff = team_diff(*before, *updated);
    static_cast<void>(record_audit(**db, "teams.update", target, diff.before, diff.after));
    return fail(scheduled.error());
  }
  return show_and_audit(config, **db, scheduled, options, "updated", "teams.update", target,
                        *before);
}

// What `teams activate` and `teams deactivate` do.
enum class Activation { kActivate, kDeactivate };

int teams_set_active(const config::Config& config, const TeamOptions& options,
                     Activation activation) {
  const bool active = activation == Activation::kActivate;
  auto id = required_id(options);
  if (!id) {
    return fail(id.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto before = team_before(**db, *id);
  if (!before) {
    return fail(before.error());
  }
  const auto activity = active ? TeamStore::Activity::kActive : TeamStore::Activity::kInactive;
  return show_and_audit(config, **db, (*db)->teams().set_active(*id, activity, SystemClock().now()),
                        options, active ? "activated" : "deactivated",
                        active ? "teams.activate" : "teams.deactivate", team_target(*id), *before);
}

// What `teams pause` and `teams resume` do.
enum class Pause { kPause, kResume };

int teams_set_paused(const config::Config& config, const TeamOptions& options, Pause pause) {
  auto id = required_id(options);
  if (!id) {
    return fail(id.error());
  }
  if (options.pipeline) {
    if (auto known = parse_pipeline_option(config, options.pipeline); !known) {
      return fail(known.error());
    }
  }
  const bool paused = pause == Pause::kPause;
  if (options.note) {
    if (Status ok = check_pause_note(*options.note); !ok) {
      return fail(invalid_argument("--note: " + ok.error().message));
    }
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto before = team_before(**db, *id);
  if (!before) {
    return fail(before.error());
  }
  SysTime now = SystemClock().now();
  // With --pipeline, that pipeline alone (`daily` too); without, the whole team.
  // A pause keeps its note on the team; a resume clears it and its own note goes to the audit log.
  const std::optional<std::string> kept = paused ? options.note : std::nullopt;
  auto changed = options.pipeline
                     ? (*db)->teams().set_pipeline_paused(*id, *options.pipeline, paused, now, kept)
                     : (*db)->teams().set_paused(*id, paused, now, kept);
  return show_and_audit(config, **db, changed, options, paused ? "paused" : "resumed",
                        paused ? "teams.pause" : "teams.resume",
                        team_target(*id, options.pipeline.value_or("")), *before,
                        paused ? std::nullopt : options.note);
}

void add_team_settings(Command& command, TeamOptions& o) {
  command.option("--name", o.name, "The team's name");
  command.option("--run-time", o.run_time,
                 "Daily run time of its daily pipeline (or of --pipeline), HH:MM or "
                 "HH:MM:SS (\"\": the default)");
  command.option("--timezone", o.timezone, "IANA time zone (\"\": the default)");
  command.option("--cron", o.cron,
                 "A 5-field cron expression instead of a daily run time, for its daily "
                 "pipeline (or --pipeline) (\"\": none)");
  command.option("--retry-max-attempts", o.retry_max_attempts,
                 "This team's pipeline.retry.max_attempts, 1-100 (\"\": the default)");
  command.option("--retry-initial-delay", o.retry_initial_delay,
                 "This team's pipeline.retry.initial_delay_seconds (\"\": the default)");
  command.option("--retry-max-delay", o.retry_max_delay,
                 "This team's pipeline.retry.max_delay_seconds (\"\": the default)");
  command.option("--email", o.email, "Notification email addresses, comma-separated");
  command.option("--slack-webhook", o.slack_webhook, "The team's Slack webhook URL");
  command.option("--wait-for-inputs", o.wait_for_inputs,
                 "Seconds its scheduled run waits for its inputs (\"\": the default)");
  command.option("--after", o.after,
                 "Runs of the same run date it waits for: general, team ids, ID:PIPELINE, "
                 "comma-separated (\"\": none)");
  command.option("--dst-skipped", o.dst_skipped,
                 "A run time daylight saving skips: shift (run at the end of the jump) or "
                 "skip (no run that day) (\"\": the default)");
  command.option("--dst-repeated", o.dst_repeated,
                 "A run time daylight saving repeats: first or last occurrence (\"\": the "
                 "default)");
  command.option("--overlap", o.overlap,
                 "A slot that finds the previous run still going: skip, or buffer-one "
                 "(start when it ends, within the misfire grace) (\"\": skip)");
  command.option("--pipelines", o.pipelines,
                 "The pipelines the team runs, comma-separated (\"\": those configured "
                 "for it)");
}

// teams list, add and update.
void add_teams_edit_commands(Command& teams, const std::shared_ptr<TeamOptions>& options) {
  Command list_cmd = teams.subcommand("list", "List every team");
  list_cmd.format(options->format);
  list_cmd.runs([options](const Invocation& in) { return teams_list(in.config, *options); });
  Command add_cmd = teams.subcommand("add", "Add a team");
  add_cmd.option("--id", options->id, "The team's id (default: the next free)");
  add_team_settings(add_cmd, *options);
  add_cmd.runs([options](const Invocation& in) { return teams_add(in.config, *options); });
  Command update_cmd = teams.subcommand("update", "Change a team's settings");
  update_cmd.option("id", options->id, "The team's id").required();
  add_team_settings(update_cmd, *options);
  update_cmd.option("--pipeline", options->pipeline,
                    "--run-time and --cron set this pipeline's schedule (default: "
                    "daily)");
  update_cmd.runs([options](const Invocation& in) { return teams_update(in.config, *options); });
}

// teams deactivate, activate, pause and resume.
void add_teams_state_commands(Command& teams, const std::shared_ptr<TeamOptions>& options) {
  Command deactivate_cmd = teams.subcommand("deactivate", "Stop scheduling a team");
  deactivate_cmd.option("id", options->id, "The team's id").required();
  deactivate_cmd.runs([options](const Invocation& in) {
    return teams_set_active(in.config, *options, Activation::kDeactivate);
  });
  Command activate_cmd = teams.subcommand("activate", "Schedule a team again");
  activate_cmd.option("id", options->id, "The team's id").required();
  activate_cmd.runs([options](const Invocation& in) {
    return teams_set_active(in.config, *options, Activation::kActivate);
  });
  Command pause_cmd = teams.subcommand("pause", "Stop a team's schedule, keeping it active");
  pause_cmd.option("id", options->id, "The team's id").required();
  pause_cmd.option("--pipeline", options->pipeline, "Pause only this pipeline of the team");
  pause_cmd.option("--note", options->note,
                   "Why it is paused: shown by teams list and the API until resumed");
  pause_cmd.runs([options](const Invocation& in) {
    return teams_set_paused(in.config, *options, Pause::kPause);
  });
  Command resume_cmd = teams.subcommand(
      "resume", "Restart a paused team's schedule (what it missed is not replayed)");
  resume_cmd.option("id", options->id, "The team's id").required();
  resume_cmd.option("--pipeline", options->pipeline, "Resume only this pipeline of the team");
  resume_cmd.option("--note", options->note,
                    "Why it is resumed: kept in the audit log (the pause note is cleared)");
  resume_cmd.runs([options](const Invocation& in) {
    return teams_set_paused(in.config, *options, Pause::kResume);
  });
}

}  // namespace

void add_teams_command(Command& app) {
  auto options = std::make_shared<TeamOptions>();
  Command teams_cmd = app.subcommand("teams", "Manage sales teams");
  teams_cmd.needs_subcommand();
  add_teams_edit_commands(teams_cmd, options);
  add_teams_state_commands(teams_cmd, options);
}

}  // namespace orch::cli
