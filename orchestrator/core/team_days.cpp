#include "orchestrator/core/team_days.h"

#include <algorithm>
#include <map>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "orchestrator/core/team_schedules.h"

namespace orch {
namespace {

constexpr const char* kFromCurrentState = "current state";
constexpr const char* kFromAuditLog = "audit log";
// How much of the audit log a calendar page reads (newest first): state changes are rare.
constexpr int kAuditEntriesRead = 10000;

// A run of a date is created on that local date at the earliest, which begins at most 14 hours
// before the same UTC date: two days back is a safe bound that lets the query use an index.
SysTime created_bound(Date from) {
  return date::sys_days(from) - date::days(2);
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
  return facts;
}

// The audit log's entries, newest first, grouped by their team: target "team:7" or
// "team:7/pipeline:NAME".
using AuditByTeam = std::map<std::int64_t, std::vector<const AuditEntry*>>;

AuditByTeam by_team(const std::vector<AuditEntry>& entries) {
  AuditByTeam out;
  for (const AuditEntry& e : entries) {
    if (e.target.rfind("team:", 0) != 0) {
      continue;
    }
    auto id = parse_team_id(e.target.substr(5, e.target.find('/') - 5));
    if (id) {
      out[id->value].push_back(&e);
    }
  }
  return out;
}

// The pauses, resumes, deactivations and activations of the team and of its `pipeline`, oldest
// first, read from each entry's `after` (the fields that changed: "paused", "active",
// "pipeline:NAME/paused", with the pause notes).
std::vector<StateChange> state_changes(const std::vector<const AuditEntry*>& newest_first,
                                       const std::string& pipeline) {
  const std::string own = "pipeline:" + pipeline + "/";
  std::vector<StateChange> out;
  for (std::size_t i = newest_first.size(); i-- > 0;) {  // oldest first
    const AuditEntry& e = *newest_first[i];
    if (!e.after) {
      continue;
    }
    auto after = nlohmann::json::parse(*e.after, nullptr, false);
    if (!after.is_object()) {
      continue;
    }
    auto note = [&after](const std::string& key) {
      auto found = after.find(key);
      return found != after.end() && found->is_string() ? found->get<std::string>() : "";
    };
    for (const std::string& prefix : {std::string(), own}) {
      auto paused = after.find(prefix + "paused");
      if (paused != after.end() && paused->is_boolean()) {
        out.push_back({e.at, paused->get<bool>() ? "team.pause" : "team.resume",
                       note(prefix + "pause_note")});
      }
    }
    auto active = after.find("active");
    if (active != after.end() && active->is_boolean()) {
      out.push_back({e.at, active->get<bool>() ? "team.activate" : "team.deactivate", ""});
    }
  }
  return out;
}

// The team's paused and inactive stretches: from the audit log when it has any of its changes,
// with the state now added when the log does not reach it (a pause from before the log).
std::vector<StateSpan> team_spans(const Team& team, const std::string& pipeline,
                                  const std::vector<const AuditEntry*>* audit,
                                  std::string& source) {
  auto changes = audit != nullptr ? state_changes(*audit, pipeline) : std::vector<StateChange>{};
  if (changes.empty()) {
    return current_state_spans(team, pipeline);
  }
  source = kFromAuditLog;
  auto spans = spans_from_changes(changes);
  for (const StateSpan& now : current_state_spans(team, pipeline)) {
    bool open = std::any_of(spans.begin(), spans.end(), [&now](const StateSpan& s) {
      return !s.until && s.state == now.state;
    });
    if (!open) {
      spans.push_back(now);
    }
  }
  return spans;
}

}  // namespace

std::vector<StateSpan> current_state_spans(const Team& team, const std::string& pipeline) {
  std::vector<StateSpan> spans;
  if (!team.active) {
    spans.push_back({StateSpan::State::kInactive, team.updated_at, std::nullopt, "",
                     StateSpan::Start::kLastChange});
  } else if (team.paused) {
    spans.push_back({StateSpan::State::kPaused, team.updated_at, std::nullopt,
                     team.pause_note.value_or(""), StateSpan::Start::kLastChange});
  } else if (pipeline_paused(team, pipeline)) {
    // A pipeline's pause keeps no time of its own: since its schedule last began, at most.
    SysTime since = team.created_at;
    std::string note;
    for (const TeamPipeline& p : team.pipeline_settings) {
      if (p.pipeline == pipeline) {
        since = std::max(since, p.active_since.value_or(since));
        note = p.pause_note.value_or("");
      }
    }
    spans.push_back(
        {StateSpan::State::kPaused, since, std::nullopt, note, StateSpan::Start::kLastChange});
  }
  return spans;
}

namespace {

// The team the query names, or std::nullopt for the general run.
Result<std::optional<Team>> find_owner(Database& db, const std::optional<TeamId>& id) {
  if (!id) {
    return std::optional<Team>();
  }
  auto found = db.teams().find(*id);
  if (!found) {
    return found.error();
  }
  if (!*found) {
    return not_found("team " + std::to_string(id->value) + " does not exist");
  }
  return std::optional<Team>(std::move(**found));
}

// The services seen alive around the day: see add_sightings(), and the latest run any service
// recorded by the day's end (a sign of life before a gap).
std::vector<ServiceSighting> day_sightings(Database& db, const std::vector<RunRecord>& runs,
                                           Date day) {
  std::vector<ServiceSighting> sightings;
  add_sightings(db, runs, sightings);
  RunPageQuery before;
  before.until = SysTime(date::sys_days(day) + date::days(1));
  before.limit = 1;
  if (auto last = db.queries().page(before); last && !last->empty()) {
    const RunRecord& r = last->front();
    if (!r.instance.empty()) {
      sightings.push_back({r.created_at, r.completed_at.value_or(r.created_at), r.instance});
    }
  }
  return sightings;
}

// The team's paused and inactive stretches, read from its entries in the audit log.
Result<std::vector<StateSpan>> audited_spans(Database& db, const Team& team,
                                             const std::string& pipeline, std::string& source) {
  AuditQuery audit_query;
  audit_query.target = "team:" + std::to_string(team.id.value);
  audit_query.limit = kAuditEntriesRead;
  auto audit = db.audit().page(audit_query);
  if (!audit) {
    return audit.error();
  }
  AuditByTeam grouped = by_team(*audit);
  auto found = grouped.find(team.id.value);
  return team_spans(team, pipeline, found == grouped.end() ? nullptr : &found->second, source);
}

}  // namespace

Result<DayReport> explain_day(const config::Config& config, Database& db, const DayQuery& query,
                              SysTime now) {
  auto index = find_pipeline(config, query.pipeline);
  if (!index) {
    return index.error();
  }
  auto team = find_owner(db, query.team);
  if (!team) {
    return team.error();
  }
  if (!runs_pipeline(*team, config.pipelines[*index])) {
    return invalid_argument(describe_team(query.team) + " does not run pipeline " + query.pipeline);
  }
  auto installed = db.registry().installed_at();
  if (!installed) {
    return installed.error();
  }
  auto resolved = resolve_team(*team, *index, config, *installed);
  if (!resolved) {
    return resolved.error();
  }
  RunDatesQuery runs_query{query.team,
                           query.team,
                           query.pipeline,
                           format_date(query.date),
                           format_date(query.date),
                           created_bound(query.date)};
  auto runs = db.queries().runs_of_dates(runs_query);
  if (!runs) {
    return runs.error();
  }
  DayReport report;
  report.team = *team;
  report.pipeline = query.pipeline;
  report.date = query.date;
  report.schedule = schedule_text(resolved->schedule);
  report.timezone = std::string(resolved->schedule.zone->name());
  report.history_source = kFromCurrentState;
  TeamDayFacts facts = facts_for(config, *resolved, *team, *installed, query.date, now);
  if (*team) {
    auto spans = audited_spans(db, **team, query.pipeline, report.history_source);
    if (!spans) {
      return spans.error();
    }
    facts.not_scheduled = std::move(*spans);
  }
  facts.runs = *runs;
  // The facts hold a view of the sightings: they must outlive the classification.
  const auto sightings = day_sightings(db, *runs, query.date);
  facts.sightings = sightings;
  report.day = classify_team_day(facts);
  report.attempts = std::move(*runs);
  return report;
}

namespace {

// The page's owners: the general run first, then the teams by id; sets the calendar's
// next_after when more follow.
std::vector<std::optional<Team>> page_owners(std::vector<Team>& teams,
                                             const config::NamedPipeline& named,
                                             const CalendarQuery& query, Calendar& calendar) {
  std::vector<std::optional<Team>> owners;
  const std::size_t wanted = static_cast<std::size_t>(std::max(1, query.limit));
  if (!query.after && runs_pipeline(std::nullopt, named)) {
    owners.emplace_back(std::nullopt);
  }
  for (Team& team : teams) {
    if (owners.size() > wanted) {
      break;
    }
    if ((!query.after || std::optional(team.id) > query.after->team) &&
        runs_pipeline(team, named)) {
      owners.emplace_back(std::move(team));
    }
  }
  if (owners.size() > wanted) {
    owners.resize(wanted);
    calendar.next_after =
        TeamFilter{owners.back() ? std::optional(owners.back()->id) : std::nullopt};
  }
  return owners;
}

std::optional<TeamId> key_of(const std::optional<Team>& team) {
  return team ? std::optional(team->id) : std::nullopt;
}

using RunsByDay = std::map<std::pair<std::optional<TeamId>, Date>, std::vector<RunRecord>>;

// What the rows of a calendar page share: the runs of its dates by owner and day, the services'
// sightings, the audit log by team.
struct CalendarPage {
  const config::Config& config;
  std::uint16_t pipeline;
  SysTime installed;
  SysTime now;
  RunsByDay by_day;
  std::vector<ServiceSighting> sightings;
  AuditByTeam audit;
};

CalendarRow calendar_row(const CalendarPage& page, const std::optional<Team>& owner,
                         const CalendarQuery& query, Calendar& calendar) {
  static const std::vector<RunRecord> no_runs;
  CalendarRow row;
  row.team = key_of(owner);
  row.name = owner ? owner->name : "general";
  auto resolved = resolve_team(owner, page.pipeline, page.config, page.installed);
  std::vector<StateSpan> spans;
  if (owner) {
    auto found = page.audit.find(owner->id.value);
    spans = team_spans(*owner, query.pipeline, found == page.audit.end() ? nullptr : &found->second,
                       calendar.history_source);
  }
  for (const Date& day : calendar.dates) {
    if (!resolved) {
      row.days.push_back(
          {day_outcome::kInactive, "not scheduled: " + resolved.error().message, {}, {}});
      continue;
    }
    TeamDayFacts facts = facts_for(page.config, *resolved, owner, page.installed, day, page.now);
    facts.not_scheduled = spans;
    auto found = page.by_day.find({row.team, day});
    facts.runs = found == page.by_day.end() ? no_runs : found->second;
    facts.sightings = page.sightings;
    TeamDay classified = classify_team_day(facts);
    classified.slots.clear();
    row.days.push_back(std::move(classified));
  }
  return row;
}

}  // namespace

Result<Calendar> team_calendar(const config::Config& config, Database& db,
                               const CalendarQuery& query, SysTime now) {
  auto index = find_pipeline(config, query.pipeline);
  if (!index) {
    return index.error();
  }
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
  std::vector<std::optional<Team>> owners =
      page_owners(*teams, config.pipelines[*index], query, calendar);
  if (owners.empty()) {
    return calendar;
  }
  RunDatesQuery runs_query{key_of(owners.front()), key_of(owners.back()),
                           query.pipeline,         format_date(query.from),
                           format_date(query.to),  created_bound(query.from)};
  auto runs = db.queries().runs_of_dates(runs_query);
  if (!runs) {
    return runs.error();
  }
  CalendarPage page{config, *index, *installed, now, {}, {}, {}};
  add_sightings(db, *runs, page.sightings);
  for (RunRecord& r : *runs) {
    page.by_day[{r.team, r.run_date}].push_back(std::move(r));
  }
  AuditQuery audit_query;
  audit_query.limit = kAuditEntriesRead;
  auto audit = db.audit().page(audit_query);
  if (!audit) {
    return audit.error();
  }
  page.audit = by_team(*audit);
  for (const std::optional<Team>& owner : owners) {
    calendar.owners.push_back(calendar_row(page, owner, query, calendar));
  }
  return calendar;
}

}  // namespace orch
