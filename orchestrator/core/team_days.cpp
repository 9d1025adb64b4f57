#include "orchestrator/core/team_days.h"

#include <algorithm>
#include <map>

#include <date/tz.h>

#include "orchestrator/core/team_schedules.h"

namespace orch {
namespace {

constexpr const char* kFromCurrentState = "current state";

// A run of a date is created on that local date at the earliest, which begins at most 14 hours
// before the same UTC date: two days back is a safe bound that lets the query use an index.
SysTime created_bound(Date from) {
  return SysTime(date::sys_days(from) - date::days(2));
}

Result<std::uint16_t> find_pipeline(const config::Config& config, const std::string& name) {
  auto index = pipeline_index(config, name);
  if (!index) {
    return invalid_argument("pipeline '" + name +
                            "' is not configured (configured: " + config.pipeline_names() + ")");
  }
  return *index;
}

// Some service was alive while a registered one beat, and whenever a run was recorded.
void add_sightings(Database& db, const std::vector<RunRecord>& runs,
                   std::vector<ServiceSighting>& out) {
  if (auto services = db.registry().live(SysTime{})) {
    for (const ServiceInstance& s : *services) {
      out.push_back({s.started_at, s.heartbeat_at, s.instance});
    }
  }
  for (const RunRecord& r : runs) {
    if (r.instance.empty()) {
      continue;
    }
    SysTime until = r.completed_at.value_or(r.heartbeat_at.value_or(r.created_at));
    out.push_back({r.created_at, std::max(until, r.created_at), r.instance});
  }
}

TeamDayFacts facts_for(const config::Config& config, const ResolvedTeam& resolved,
                       const std::optional<Team>& team, SysTime installed, Date day, SysTime now) {
  TeamDayFacts facts;
  facts.schedule = &resolved.schedule;
  facts.date = day;
  facts.now = now;
  facts.misfire_grace = config.scheduler.misfire_grace;
  facts.timeout = config.pipelines[resolved.schedule.pipeline].settings.timeout;
  facts.existed_since = team ? team->created_at : installed;
  if (team) {
    facts.not_scheduled = current_state_spans(*team, resolved.target.pipeline);
  }
  return facts;
}

}  // namespace

std::vector<StateSpan> current_state_spans(const Team& team, const std::string& pipeline) {
  std::vector<StateSpan> spans;
  if (!team.active) {
    spans.push_back({StateSpan::State::kInactive, team.updated_at, std::nullopt, "", true});
  } else if (team.paused) {
    spans.push_back({StateSpan::State::kPaused, team.updated_at, std::nullopt, "", true});
  } else if (pipeline_paused(team, pipeline)) {
    // A pipeline's pause keeps no time of its own: since its schedule last began, at most.
    SysTime since = team.created_at;
    for (const TeamPipeline& p : team.pipeline_settings) {
      if (p.pipeline == pipeline && p.active_since) {
        since = std::max(since, *p.active_since);
      }
    }
    spans.push_back({StateSpan::State::kPaused, since, std::nullopt, "", true});
  }
  return spans;
}

Result<DayReport> explain_day(const config::Config& config, Database& db, const DayQuery& query,
                              SysTime now) {
  auto index = find_pipeline(config, query.pipeline);
  if (!index) {
    return index.error();
  }
  std::optional<Team> team;
  if (query.team) {
    auto found = db.teams().find(*query.team);
    if (!found) {
      return found.error();
    }
    if (!*found) {
      return not_found("team " + std::to_string(query.team->value) + " does not exist");
    }
    team = std::move(**found);
  }
  if (!runs_pipeline(team, config.pipelines[*index])) {
    return invalid_argument(describe_team(query.team) + " does not run pipeline " + query.pipeline);
  }
  auto installed = db.registry().installed_at();
  if (!installed) {
    return installed.error();
  }
  auto resolved = resolve_team(team, *index, config, *installed);
  if (!resolved) {
    return resolved.error();
  }
  const std::int64_t key = team_key(query.team);
  RunDatesQuery runs_query{key,
                           key,
                           query.pipeline,
                           format_date(query.date),
                           format_date(query.date),
                           created_bound(query.date)};
  auto runs = db.queries().runs_of_dates(runs_query);
  if (!runs) {
    return runs.error();
  }
  std::vector<ServiceSighting> sightings;
  add_sightings(db, *runs, sightings);
  // The latest run any service recorded by the day's end: a sign of life before a gap.
  RunPageQuery before;
  before.until = SysTime(date::sys_days(query.date) + date::days(1));
  before.limit = 1;
  if (auto last = db.queries().page(before); last && !last->empty()) {
    const RunRecord& r = last->front();
    if (!r.instance.empty()) {
      sightings.push_back({r.created_at, r.completed_at.value_or(r.created_at), r.instance});
    }
  }
  DayReport report;
  report.team = team;
  report.pipeline = query.pipeline;
  report.date = query.date;
  report.schedule = schedule_text(resolved->schedule);
  report.timezone = std::string(resolved->schedule.zone->name());
  report.history_source = kFromCurrentState;
  TeamDayFacts facts = facts_for(config, *resolved, team, *installed, query.date, now);
  facts.runs = *runs;
  facts.sightings = sightings;
  report.day = classify_team_day(facts);
  report.attempts = std::move(*runs);
  return report;
}

Result<Calendar> team_calendar(const config::Config& config, Database& db,
                               const CalendarQuery& query, SysTime now) {
  auto index = find_pipeline(config, query.pipeline);
  if (!index) {
    return index.error();
  }
  const config::NamedPipeline& named = config.pipelines[*index];
  auto teams = db.teams().list(TeamStore::Which::kAll);
  if (!teams) {
    return teams.error();
  }
  auto installed = db.registry().installed_at();
  if (!installed) {
    return installed.error();
  }
  Calendar calendar;
  calendar.history_source = kFromCurrentState;
  for (auto d = date::sys_days(query.from); d <= date::sys_days(query.to); d += date::days(1)) {
    calendar.dates.emplace_back(d);
  }
  // The page's owners: the general run first (key 0), then the teams by id.
  std::vector<std::optional<Team>> owners;
  const std::size_t wanted = static_cast<std::size_t>(std::max(1, query.limit));
  if (!query.after_key && runs_pipeline(std::nullopt, named)) {
    owners.emplace_back(std::nullopt);
  }
  for (Team& team : *teams) {
    if (owners.size() > wanted) {
      break;
    }
    if ((!query.after_key || team.id.value > *query.after_key) && runs_pipeline(team, named)) {
      owners.emplace_back(std::move(team));
    }
  }
  if (owners.size() > wanted) {
    owners.resize(wanted);
    calendar.next_after = team_key(owners.back() ? std::optional(owners.back()->id) : std::nullopt);
  }
  if (owners.empty()) {
    return calendar;
  }
  auto key_of = [](const std::optional<Team>& t) { return t ? t->id.value : std::int64_t{0}; };
  RunDatesQuery runs_query{key_of(owners.front()), key_of(owners.back()),
                           query.pipeline,         format_date(query.from),
                           format_date(query.to),  created_bound(query.from)};
  auto runs = db.queries().runs_of_dates(runs_query);
  if (!runs) {
    return runs.error();
  }
  std::vector<ServiceSighting> sightings;
  add_sightings(db, *runs, sightings);
  std::map<std::pair<std::int64_t, std::string>, std::vector<RunRecord>> by_day;
  for (RunRecord& r : *runs) {
    by_day[{team_key(r.team), r.run_date}].push_back(std::move(r));
  }
  static const std::vector<RunRecord> kNone;
  for (const std::optional<Team>& owner : owners) {
    CalendarRow row;
    row.key = key_of(owner);
    row.name = owner ? owner->name : "general";
    auto resolved = resolve_team(owner, *index, config, *installed);
    for (const Date& day : calendar.dates) {
      if (!resolved) {
        row.days.push_back(
            {day_outcome::kInactive, "not scheduled: " + resolved.error().message, {}, {}});
        continue;
      }
      TeamDayFacts facts = facts_for(config, *resolved, owner, *installed, day, now);
      auto found = by_day.find({row.key, format_date(day)});
      facts.runs = found == by_day.end() ? kNone : found->second;
      facts.sightings = sightings;
      TeamDay classified = classify_team_day(facts);
      classified.slots.clear();
      row.days.push_back(std::move(classified));
    }
    calendar.owners.push_back(std::move(row));
  }
  return calendar;
}

}  // namespace orch
