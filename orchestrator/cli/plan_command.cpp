#include <iostream>
#include <memory>

#include <date/tz.h>

#include "config/base/clock.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/plan_options.h"
#include "orchestrator/cli/schedule_table.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {

namespace {

// The owner's next `count` slots after `after`, a row each; the last cell is the slot's note.
void add_slot_rows(Table& t, const ResolvedTeam& r, SysTime after, int count, bool several) {
  const auto& s = r.schedule;
  std::string schedule =
      s.cron ? "cron " + s.cron->text : "daily " + format_time_of_day(s.run_time);
  for (const Slot& slot : upcoming_slots(s, after, count)) {
    std::vector<std::optional<std::string>> row = {
        s.team ? std::to_string(s.team->value) : "general", r.target.name};
    if (several) {
      row.emplace_back(r.target.pipeline);
    }
    row.insert(row.end(),
               {schedule, std::string(s.zone->name()), format_date(slot.run_date),
                format_local(slot.at, *s.zone), format_utc_seconds(slot.at), slot.schedule_note});
    t.rows.push_back(std::move(row));
  }
}

// What daylight saving does to a slot has a column when it does something to one.
void keep_notes_if_any(Table& t) {
  bool notes = false;
  for (const auto& row : t.rows) {
    notes = notes || (row.back() && !row.back()->empty());
  }
  if (notes) {
    t.columns.push_back({"note"});
  } else {
    for (auto& row : t.rows) {
      row.pop_back();
    }
  }
}

}  // namespace

Result<Table> schedule_table(const config::Config& config, Database& db,
                             const std::optional<TeamFilter>& only,
                             const std::optional<std::string>& pipeline, int count) {
  auto teams = db.teams().list(TeamStore::Which::kActive);
  if (!teams) {
    return teams.error();
  }
  // What the service will not run again: a slot up to the owner's last recorded one (today's
  // run done at 02:00 and the run time moved to 18:00 leaves no slot today).
  auto done = db.runs().last_slot_keys();
  if (!done) {
    return done.error();
  }
  const bool several = config.pipelines.size() > 1;
  Table t;
  t.when_empty = "nothing is scheduled";
  t.columns = {{"team"}, {"name"}};
  if (several) {
    t.columns.push_back({"pipeline"});
  }
  t.columns.insert(t.columns.end(),
                   {{"schedule"}, {"timezone"}, {"run_date"}, {"local_time"}, {"utc"}});
  SysTime now = SystemClock().now();
  for (const auto& r : resolve_schedules(*teams, config, now)) {
    if ((only && r.schedule.team != only->team) || (pipeline && r.target.pipeline != *pipeline)) {
      continue;
    }
    SysTime after = now;
    if (auto it = done->find(RunOwner{r.schedule.team, r.target.pipeline}); it != done->end()) {
      if (auto key = SlotKey::parse(it->second)) {
        after = std::max(after, done_until(r.schedule, *key));
      }
    }
    add_slot_rows(t, r, after, count, several);
  }
  keep_notes_if_any(t);
  return t;
}

namespace {

// --team: a team's id, or 'general'; std::nullopt when absent.
Result<std::optional<TeamFilter>> parse_plan_team(const std::optional<std::string>& team) {
  if (!team) {
    return std::optional<TeamFilter>();
  }
  if (*team == "general") {
    return std::optional<TeamFilter>(TeamFilter{std::nullopt});
  }
  auto id = parse_team_id(*team);
  if (!id) {
    return invalid_argument("--team: " + id.error().message + ", or 'general'");
  }
  return std::optional<TeamFilter>(TeamFilter{*id});
}

// A team asked for by id that has no slot is an error, not an empty table.
Status check_scheduled(const Table& table, const std::optional<TeamFilter>& only,
                       const std::optional<std::string>& pipeline) {
  if (!only || !only->team || !table.rows.empty()) {
    return {};
  }
  if (pipeline) {
    return not_found(describe_owner(only->team, *pipeline) +
                     " is not scheduled: the team is unknown, inactive or paused, or does "
                     "not run that pipeline");
  }
  return not_found("team " + std::to_string(only->team->value) +
                   " is not scheduled: it is unknown, inactive or paused");
}

// JSON carries the team's id as every command does (a number, null for the general run) beside
// the owner's name ("3" or "general"). CSV keeps its columns where scripts expect them.
void add_team_id_column(Table& table) {
  table.columns.insert(table.columns.begin() + 1, {"sales_team_id", true});
  for (auto& row : table.rows) {
    const std::optional<std::string>& owner = row.front();
    row.insert(row.begin() + 1, *owner == "general" ? std::nullopt : owner);
  }
}

int plan(const config::Config& config, const PlanOptions& options) {
  if (options.count < 1 || options.count > 1000) {
    return fail(invalid_argument("--count: use a whole number from 1 to 1000"));
  }
  if (options.cron) {
    return plan_cron(config, options);
  }
  if (options.timezone || options.after) {
    return fail(invalid_argument("--timezone and --after go with --cron EXPR"));
  }
  auto only = parse_plan_team(options.team);
  if (!only) {
    return fail(only.error());
  }
  std::optional<std::string> pipeline;
  if (options.pipeline) {
    auto checked = parse_pipeline_option(config, options.pipeline);
    if (!checked) {
      return fail(checked.error());
    }
    pipeline = *checked;
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  if (!config.scheduler.enabled) {
    std::cerr << "note: scheduler.enabled is false: `serve` runs nothing on its own\n";
  }
  auto table = schedule_table(config, **db, *only, pipeline, options.count);
  if (!table) {
    return fail(table.error());
  }
  if (Status ok = check_scheduled(*table, *only, pipeline); !ok) {
    return fail(ok.error());
  }
  if (options.format == Format::kJson) {
    add_team_id_column(*table);
  }
  print(*table, options.format, std::cout);
  return kExitOk;
}

}  // namespace

void add_plan_command(Command& app) {
  auto options = std::make_shared<PlanOptions>();
  Command plan_cmd =
      app.subcommand("plan", "The next fire times of every pipeline of every active team");
  plan_cmd.option("--team", options->team, "Only this team's id, or 'general'");
  plan_cmd.option("--pipeline", options->pipeline, "Only this pipeline");
  plan_cmd.option("--count", options->count, "Slots per team (default 3)").whole_number();
  plan_cmd.option("--cron", options->cron,
                  "Only the fire times of this 5-field cron expression (no teams)");
  plan_cmd.option("--timezone", options->timezone,
                  "With --cron: the IANA zone (default: scheduler.timezone)");
  plan_cmd.option("--after", options->after,
                  "With --cron: fire times strictly after this ISO-8601 instant "
                  "(default: now)");
  plan_cmd.format(options->format);
  plan_cmd.runs([options](const Invocation& in) { return plan(in.config, *options); });
}

}  // namespace orch::cli
