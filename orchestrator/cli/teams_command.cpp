#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "notify/webhook_client.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/core/pause_note.h"
#include "orchestrator/core/team_audit.h"
#include "orchestrator/core/team_schedules.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/dst_policy.h"

namespace orch::cli {
namespace {

// --pipelines: known pipeline names, comma-separated ("" clears the team's choice).
Result<std::string> validate_pipelines(const config::Config& config, const std::string& list) {
  std::string out;
  std::size_t start = 0;
  while (!list.empty() && start <= list.size()) {
    auto comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (config.find_pipeline(name) == nullptr) {
      return invalid_argument("--pipelines: '" + name + "' is not a configured pipeline (use " +
                              "names from: " + config.pipeline_names() +
                              ", separated by commas; \"\" for the configured choice)");
    }
    if (("," + out + ",").find("," + name + ",") == std::string::npos) {
      out += (out.empty() ? "" : ",") + name;
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// Checks the settings a person typed; returns them as the store's changes.
Result<TeamChanges> validate(const config::Config& config, const TeamOptions& o) {
  TeamChanges c;
  if (o.dst_skipped) {
    if (!o.dst_skipped->empty()) {
      if (auto ok = parse_dst_skipped(*o.dst_skipped); !ok) {
        return invalid_argument("--dst-skipped: " + ok.error().message + " (\"\" for the default)");
      }
    }
    c.dst_skipped = o.dst_skipped;
  }
  if (o.overlap) {
    if (!o.overlap->empty() && *o.overlap != "skip" && *o.overlap != "buffer-one") {
      return invalid_argument("--overlap: '" + *o.overlap +
                              "' is not allowed: use skip or buffer-one (\"\" for skip)");
    }
    c.overlap = o.overlap;
  }
  if (o.dst_repeated) {
    if (!o.dst_repeated->empty()) {
      if (auto ok = parse_dst_repeated(*o.dst_repeated); !ok) {
        return invalid_argument("--dst-repeated: " + ok.error().message + " (\"\" for the default)");
      }
    }
    c.dst_repeated = o.dst_repeated;
  }
  if (o.wait_for_inputs) {
    const std::string& text = *o.wait_for_inputs;
    bool digits = !text.empty() && text.size() <= 6 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (!text.empty() && (!digits || std::stoll(text) > 604800)) {
      return invalid_argument("--wait-for-inputs: '" + text +
                              "' is not allowed: use a whole number of seconds from 0 to 604800 "
                              "(\"\" for the default)");
    }
    c.wait_for_inputs_seconds = text.empty() ? text : std::to_string(std::stoll(text));
  }
  if (o.after) {
    auto upstreams = parse_upstreams(*o.after);
    if (!upstreams) {
      return invalid_argument("--after: " + upstreams.error().message);
    }
    std::string text;
    for (const Upstream& upstream : *upstreams) {
      if (config.find_pipeline(upstream.pipeline) == nullptr) {
        return invalid_argument("--after: '" + to_string(upstream) + "' names pipeline " +
                                upstream.pipeline + ", which is not configured (use one of: " +
                                config.pipeline_names() + ")");
      }
      text += (text.empty() ? "" : ",") + to_string(upstream);
    }
    c.upstreams = text;
  }
  if (o.pipelines) {
    auto names = validate_pipelines(config, *o.pipelines);
    if (!names) {
      return names.error();
    }
    c.pipelines = *names;
  }
  if (o.name) {
    if (o.name->empty() || o.name->size() > 200) {
      return invalid_argument("--name: a team name is 1 to 200 characters");
    }
    // A name is printed in tables, logs, mails and Slack: bytes that are not text, or escape
    // sequences that would drive a reader's terminal, have no place in it.
    if (!is_printable_utf8(*o.name)) {
      return invalid_argument("--name: '" + escape_controls(*o.name) +
                              "' is not allowed: a team name is UTF-8 text without control "
                              "characters");
    }
    c.name = o.name;
  }
  if (o.run_time) {
    if (!o.run_time->empty()) {
      auto t = parse_time_of_day(*o.run_time);
      if (!t) {
        return invalid_argument("--run-time: " + t.error().message + " (\"\" for the default)");
      }
      c.run_time = format_time_of_day(*t);
    } else {
      c.run_time = "";
    }
  }
  if (o.timezone) {
    if (!o.timezone->empty()) {
      auto zone = find_zone(*o.timezone);
      if (!zone) {
        return invalid_argument("--timezone: " + zone.error().message + " (\"\" for the default)");
      }
    }
    c.timezone = o.timezone;
  }
  if (o.cron) {
    if (!o.cron->empty()) {
      auto cron = parse_cron(*o.cron);
      if (!cron) {
        return invalid_argument("--cron: " + cron.error().message + " (\"\" for none)");
      }
      if (o.run_time && !o.run_time->empty()) {
        return invalid_argument(
            "--run-time and --cron: a team's schedule is one or the other, not both");
      }
      // A cron schedule replaces the team's own run time.
      c.run_time = "";
    }
    c.cron = o.cron;
  } else if (o.run_time && !o.run_time->empty()) {
    // A run time replaces the team's own cron expression.
    c.cron = "";
  }
  struct NumberOption {
    const char* flag;
    const std::optional<std::string>& value;
    std::optional<std::string>& change;
    std::int64_t max;
  };
  for (const NumberOption& n :
       {NumberOption{"--retry-max-attempts", o.retry_max_attempts, c.retry_max_attempts, 100},
        NumberOption{"--retry-initial-delay", o.retry_initial_delay, c.retry_initial_delay_seconds,
                     86400},
        NumberOption{"--retry-max-delay", o.retry_max_delay, c.retry_max_delay_seconds, 86400}}) {
    if (!n.value) {
      continue;
    }
    const std::string& text = *n.value;
    bool digits = !text.empty() && text.size() <= 6 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (!text.empty() && (!digits || std::stoll(text) < 1 || std::stoll(text) > n.max)) {
      return invalid_argument(std::string(n.flag) + ": '" + text +
                              "' is not allowed: use a whole number from 1 to " +
                              std::to_string(n.max) + " (\"\" for the default)");
    }
    n.change = text.empty() ? text : std::to_string(std::stoll(text));
  }
  if (o.retry_initial_delay && o.retry_max_delay && !o.retry_initial_delay->empty() &&
      !o.retry_max_delay->empty() &&
      std::stoll(*o.retry_max_delay) < std::stoll(*o.retry_initial_delay)) {
    return invalid_argument("--retry-max-delay: use at least --retry-initial-delay");
  }
  if (o.email) {
    std::string list = *o.email;
    std::size_t start = 0;
    while (!list.empty() && start <= list.size()) {
      auto comma = list.find(',', start);
      std::string address =
          list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto at = address.find('@');
      if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
          address.find_first_of(" \t") != std::string::npos) {
        return invalid_argument("--email: '" + address +
                                "' is not an email address: use name@example.com, several "
                                "separated by commas");
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
    c.notify_email = o.email;
  }
  if (o.slack_webhook) {
    const std::string& url = *o.slack_webhook;
    if (!url.empty() && url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
      return invalid_argument("--slack-webhook: use an http:// or https:// URL");
    }
    c.notify_slack_webhook = o.slack_webhook;
  }
  return c;
}

// The pipelines the team runs as the service would schedule them, each with what the team set
// for it: "daily", "month_end (cron 0 4 1 * *)", "recon (paused)".
std::vector<std::string> team_pipelines(const config::Config& config, const Team& team) {
  std::vector<std::string> out;
  for (const config::NamedPipeline& named : config.pipelines) {
    if (!runs_pipeline(team, named)) {
      continue;
    }
    std::string notes;
    for (const TeamPipeline& own : team.pipeline_settings) {
      if (own.pipeline != named.name) {
        continue;
      }
      if (own.cron) {
        notes += "cron " + *own.cron;
      } else if (own.run_time) {
        notes += "daily " + *own.run_time;
      }
      if (own.paused) {
        notes += std::string(notes.empty() ? "" : ", ") + "paused";
        if (own.pause_note) {
          notes += ": " + *own.pause_note;
        }
      }
    }
    out.push_back(named.name + (notes.empty() ? "" : " (" + notes + ")"));
  }
  return out;
}

std::vector<std::string> upstream_list(const Team& team) {
  std::vector<std::string> out;
  for (const Upstream& upstream : team.upstreams) {
    out.push_back(to_string(upstream));
  }
  return out;
}

// Refuses upstreams of team `id` that name a team that does not exist, or that close a cycle
// (a team whose run would wait, through others, for itself), naming the cycle.
Status check_upstreams(Database& db, TeamId id, const std::optional<std::string>& list) {
  if (!list) {
    return {};
  }
  auto upstreams = parse_upstreams(*list);
  if (!upstreams) {
    return invalid_argument("--after: " + upstreams.error().message);
  }
  auto teams = db.teams().list(TeamStore::Which::kAll);
  if (!teams) {
    return teams.error();
  }
  // Only a team's daily pipeline waits for others: the edges go from (team, daily).
  std::map<std::int64_t, std::vector<Upstream>> edges;
  for (const Team& team : *teams) {
    edges[team.id.value] = team.upstreams;
  }
  edges[id.value] = *upstreams;
  for (const Upstream& upstream : *upstreams) {
    if (upstream.team && edges.count(upstream.team->value) == 0) {
      return invalid_argument("--after: team " + std::to_string(upstream.team->value) +
                              " does not exist (see `orchestrator teams list`)");
    }
  }
  // Depth-first from the team: reaching its own daily pipeline again is a cycle.
  std::vector<std::string> path{std::to_string(id.value)};
  std::set<std::int64_t> seen;
  std::function<bool(std::int64_t)> reaches_back = [&](std::int64_t from) {
    for (const Upstream& next : edges[from]) {
      if (!next.team || next.pipeline != kDefaultPipeline) {
        continue;  // the general run and other pipelines wait for nobody
      }
      path.push_back(to_string(next));
      if (next.team->value == id.value) {
        return true;
      }
      if (seen.insert(next.team->value).second && reaches_back(next.team->value)) {
        return true;
      }
      path.pop_back();
    }
    return false;
  };
  if (reaches_back(id.value)) {
    std::string cycle;
    for (const std::string& step : path) {
      cycle += (cycle.empty() ? "team " : " -> team ") + step;
    }
    return invalid_argument("--after: that would make a cycle, " + cycle +
                            ": a run would wait for itself");
  }
  return {};
}

// A site with one pipeline sees the table it always saw; with several, a column says which
// pipelines each team runs. Lists (emails, upstreams, pipelines) are JSON arrays in JSON, and
// comma-separated text in the table and CSV.
Table team_table(const config::Config& config, const std::vector<Team>& teams, Format format) {
  Table t;
  t.when_empty = "no teams (add one with orchestrator teams add)";
  t.columns = {{"id", true},
               {"name"},
               {"active", true},
               {"paused", true},
               {"pause_note"},
               {"run_time"},
               {"cron"},
               {"timezone"},
               {"retry_max_attempts", true},
               {"retry_initial_delay_seconds", true},
               {"retry_max_delay_seconds", true},
               {"notify_email", true},
               {"slack_webhook"},
               {"wait_for_inputs_seconds", true},
               {"after", true},
               {"dst_skipped"},
               {"dst_repeated"},
               {"overlap"},
               {"active_since"},
               {"updated_at"}};
  const bool with_pipelines = config.pipelines.size() > 1;
  if (with_pipelines) {
    t.columns.insert(t.columns.begin() + 7, {"pipelines", true});
  }
  auto number = [](const std::optional<int>& v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
  };
  auto list = [format](const std::vector<std::string>& items,
                       const char* separator) -> std::optional<std::string> {
    if (format == Format::kJson) {
      return json_array(items);
    }
    std::string text;
    for (const std::string& item : items) {
      text += (text.empty() ? "" : separator) + item;
    }
    return text;
  };
  for (const Team& team : teams) {
    std::vector<std::optional<std::string>> row = {
        std::to_string(team.id.value), team.name, team.active ? "true" : "false",
        team.paused ? "true" : "false", team.pause_note, team.run_time, team.cron, team.timezone,
        number(team.retry_max_attempts), number(team.retry_initial_delay_seconds),
        number(team.retry_max_delay_seconds),
        team.notify_email ? list(split_list(*team.notify_email), ",") : std::nullopt,
        // A webhook URL is a secret (its path is the token).
        team.notify_slack_webhook
            ? std::optional<std::string>(notify::redact_webhook(*team.notify_slack_webhook))
            : std::nullopt,
        number(team.wait_for_inputs_seconds),
        team.upstreams.empty() ? std::nullopt : list(upstream_list(team), ","), team.dst_skipped,
        team.dst_repeated, team.overlap, format_utc(team.active_since),
        format_utc(team.updated_at)};
    if (with_pipelines) {
      row.insert(row.begin() + 7, list(team_pipelines(config, team), ", "));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

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

}  // namespace

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

int teams_set_active(const config::Config& config, const TeamOptions& options, bool active) {
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

}  // namespace orch::cli
