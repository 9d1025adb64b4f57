// GET /api/v1/teams and GET /api/v1/teams/{id}: every team (and the general run) with its state,
// schedule, next run, latest outcomes and running run, per pipeline.

#include <malloc.h>

#include <map>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "orchestrator/api/day_json.h"
#include "orchestrator/api/endpoints.h"
#include "orchestrator/api/team_gauges.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr int kDefaultLimit = 1000;
constexpr int kMaxLimit = 10000;
constexpr int kOutcomes = 14;
// The latest outcomes are looked for among the runs of this many days: 14 of a weekly pipeline.
constexpr date::days kOutcomeWindow{120};

using OwnerPipeline = std::pair<std::optional<TeamId>, std::string>;

// What the whole page reads once: no query per team.
struct PageData {
  std::map<OwnerPipeline, const TeamRunSummary*> completed;
  std::map<OwnerPipeline, std::vector<const RecentOutcome*>> recent;
  std::map<OwnerPipeline, const RunRecord*> going;
  std::vector<TeamRunSummary> summaries;
  std::vector<RecentOutcome> outcomes;
  std::vector<RunRecord> active;
  SysTime installed;
  SysTime now;
};

json time_or_null(const std::optional<SysTime>& t) {
  return t ? json(format_utc(*t)) : json(nullptr);
}

template <class T>
json value_or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

const char* state_of(const std::optional<Team>& team) {
  if (!team) {
    return "active";
  }
  return !team->active ? "inactive" : team->paused ? "paused" : "active";
}

Status read_page_data(const EndpointContext& context, const std::optional<TeamId>& first,
                      const std::optional<TeamId>& last, PageData& data) {
  data.now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto installed = context.db.registry().installed_at();
  auto summaries = context.db.queries().team_summaries_between(first, last);
  auto outcomes =
      context.db.queries().recent_outcomes(first, last, kOutcomes, data.now - kOutcomeWindow);
  auto active = context.db.queries().active_runs();
  if (!installed) {
    return installed.error();
  }
  if (!summaries) {
    return summaries.error();
  }
  if (!outcomes) {
    return outcomes.error();
  }
  if (!active) {
    return active.error();
  }
  data.installed = *installed;
  data.summaries = std::move(*summaries);
  data.outcomes = std::move(*outcomes);
  data.active = std::move(*active);
  for (const auto& s : data.summaries) {
    data.completed[{s.team, s.pipeline}] = &s;
  }
  for (const auto& o : data.outcomes) {
    data.recent[{o.team, o.pipeline}].push_back(&o);
  }
  for (const auto& r : data.active) {
    auto& slot = data.going[{r.team, r.pipeline}];
    if (slot == nullptr || r.status == RunStatus::kRunning) {  // a running run over a waiting one
      slot = &r;
    }
  }
  return {};
}

// The note of a paused team, else of its paused pipeline `name`; null when there is none.
json pause_note_of(const std::optional<Team>& team, const std::string& name) {
  json note = nullptr;
  if (team && team->paused) {
    note = value_or_null(team->pause_note);
  } else if (team) {
    for (const TeamPipeline& p : team->pipeline_settings) {
      if (p.pipeline == name && p.paused) {
        note = value_or_null(p.pause_note);
      }
    }
  }
  return note;
}

// One pipeline of an owner: state, schedule, next run, latest outcomes, running run, overdue.
json pipeline_json(const EndpointContext& context, const std::optional<Team>& team,
                   std::uint16_t index, const PageData& data) {
  const config::NamedPipeline& named = context.config.pipelines[index];
  const std::optional<TeamId> key = team ? std::optional(team->id) : std::nullopt;
  std::string state = state_of(team);
  if (team && state == "active" && pipeline_paused(*team, named.name)) {
    state = "paused";
  }
  json out = {
      {"name", named.name}, {"state", state}, {"pause_note", pause_note_of(team, named.name)}};
  auto resolved = resolve_team(team, index, context.config, data.installed);
  if (resolved) {
    const ScheduledTeam& s = resolved->schedule;
    out["schedule"] = schedule_text(s);
    out["timezone"] = std::string(s.zone->name());
    auto found = data.completed.find({key, named.name});
    TeamGauges gauges =
        team_gauges(s, found == data.completed.end() ? nullptr : found->second,
                    context.config.scheduler.misfire_grace, named.settings.timeout, data.now);
    const bool scheduled = state == "active" && context.config.scheduler.enabled;
    out["next_run"] = scheduled && gauges.next_run
                          ? json{{"utc", format_utc_seconds(*gauges.next_run)},
                                 {"local", local_iso(*gauges.next_run, *s.zone)}}
                          : json(nullptr);
    out["overdue"] = scheduled && gauges.overdue;
    out["last_success"] = time_or_null(gauges.last_success);
  } else {
    out["schedule"] = nullptr;
    out["timezone"] = nullptr;
    out["next_run"] = nullptr;
    out["overdue"] = false;
    out["last_success"] = nullptr;
    out["error"] = resolved.error().message;
  }
  json outcomes = json::array();
  if (auto it = data.recent.find({key, named.name}); it != data.recent.end()) {
    for (const RecentOutcome* o : it->second) {
      outcomes.push_back(
          {{"run_id", o->run_id.str()}, {"run_date", o->run_date}, {"status", o->status}});
    }
  }
  out["last_outcomes"] = std::move(outcomes);
  if (auto it = data.going.find({key, named.name}); it != data.going.end()) {
    out["running"] = {{"run_id", it->second->run_id.str()},
                      {"started_at", time_or_null(it->second->started_at)},
                      {"status", to_string(it->second->status)}};
  } else {
    out["running"] = nullptr;
  }
  return out;
}

json team_json(const EndpointContext& context, const std::optional<Team>& team,
               const PageData& data) {
  json out = {
      {"id", team ? std::to_string(team->id.value) : "general"},
      {"sales_team_id", team ? json(team->id.value) : json(nullptr)},
      {"name", team ? team->name : "general"},
      {"state", state_of(team)},
      {"pause_note", team ? value_or_null(team->pause_note) : json(nullptr)},
  };
  json pipelines = json::array();
  std::optional<std::size_t> main;
  const auto count = static_cast<std::uint16_t>(context.config.pipelines.size());
  for (std::uint16_t i = 0; i < count; ++i) {
    if (!runs_pipeline(team, context.config.pipelines[i])) {
      continue;
    }
    if (!main || context.config.pipelines[i].name == kDefaultPipeline) {
      main = pipelines.size();
    }
    pipelines.push_back(pipeline_json(context, team, i, data));
  }
  // The top level describes the daily pipeline, or the first one the owner runs.
  for (const char* field :
       {"timezone", "schedule", "next_run", "last_outcomes", "running", "overdue"}) {
    out[field] = main ? pipelines[*main][field] : json(nullptr);
  }
  if (!main) {
    out["last_outcomes"] = json::array();
    out["overdue"] = false;
  }
  out["pipelines"] = std::move(pipelines);
  return out;
}

// Every per-team setting, the Slack webhook (a secret) redacted.
json settings_json(const Team& team) {
  json upstreams = json::array();
  for (const Upstream& u : team.upstreams) {
    upstreams.push_back(to_string(u));
  }
  json own = json::array();
  for (const TeamPipeline& p : team.pipeline_settings) {
    own.push_back({{"pipeline", p.pipeline},
                   {"run_time", value_or_null(p.run_time)},
                   {"cron", value_or_null(p.cron)},
                   {"paused", p.paused},
                   {"pause_note", value_or_null(p.pause_note)},
                   {"active_since", time_or_null(p.active_since)}});
  }
  return {
      {"run_time", value_or_null(team.run_time)},
      {"cron", value_or_null(team.cron)},
      {"timezone", value_or_null(team.timezone)},
      {"retry_max_attempts", value_or_null(team.retry_max_attempts)},
      {"retry_initial_delay_seconds", value_or_null(team.retry_initial_delay_seconds)},
      {"retry_max_delay_seconds", value_or_null(team.retry_max_delay_seconds)},
      {"wait_for_inputs_seconds", value_or_null(team.wait_for_inputs_seconds)},
      {"upstreams", std::move(upstreams)},
      {"dst_skipped", value_or_null(team.dst_skipped)},
      {"dst_repeated", value_or_null(team.dst_repeated)},
      {"overlap", value_or_null(team.overlap)},
      {"notify_email", value_or_null(team.notify_email)},
      {"notify_slack_webhook", team.notify_slack_webhook ? json("***") : json(nullptr)},
      {"pipelines", value_or_null(team.pipelines)},
      {"pipeline_settings", std::move(own)},
      {"active_since", format_utc(team.active_since)},
      {"created_at", format_utc(team.created_at)},
      {"updated_at", format_utc(team.updated_at)},
  };
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// GET /api/v1/teams?limit=N&cursor=C, checked: every error is a 400 with its message.
struct PageQuery {
  int limit = kDefaultLimit;
  std::optional<std::int64_t> after;  // the cursor: the key after which the page starts
};

Result<PageQuery> parse_page_query(const RouteContext& route) {
  PageQuery query;
  for (const auto& [name, value] : route.request.query) {
    if (name == "limit") {
      auto n = bounded_whole_number(name, value, 1, kMaxLimit);
      if (!n) {
        return n.error();
      }
      query.limit = *n;
    } else if (name == "cursor") {
      if (value == "general") {
        query.after = 0;
      } else if (auto id = parse_team_id(value)) {
        query.after = id->value;
      } else {
        return invalid_argument("cursor=" + value + ": use the next_cursor of the previous page");
      }
    } else {
      return invalid_argument("unknown query parameter '" + name + "' (allowed: limit, cursor)");
    }
  }
  return query;
}

// The owners of one page (std::nullopt: the general run, first when it runs anything), and the
// cursor of the next page (null on the last).
struct TeamPage {
  std::vector<std::optional<Team>> owners;
  std::optional<std::string> next;
};

TeamPage take_page(const config::Config& config, std::vector<Team>& teams, const PageQuery& query) {
  TeamPage page;
  const auto wanted = static_cast<std::size_t>(query.limit);
  bool general = false;
  for (const config::NamedPipeline& p : config.pipelines) {
    general = general || runs_pipeline(std::nullopt, p);
  }
  if (!query.after && general) {
    page.owners.emplace_back(std::nullopt);
  }
  for (Team& team : teams) {
    if (page.owners.size() > wanted) {
      break;
    }
    if (!query.after || team.id.value > *query.after) {
      page.owners.emplace_back(std::move(team));
    }
  }
  if (page.owners.size() > wanted) {
    page.owners.resize(wanted);
    page.next = page.owners.back() ? std::to_string(page.owners.back()->id.value) : "general";
  }
  return page;
}

HttpResponse list_teams(const EndpointContext& context, const RouteContext& route) {
  auto query = parse_page_query(route);
  if (!query) {
    return problem(400, query.error().message);
  }
  auto teams = context.db.teams().list(TeamStore::Which::kAll);
  if (!teams) {
    return problem_for(teams.error());
  }
  TeamPage page = take_page(context.config, *teams, *query);
  const auto& owners = page.owners;
  PageData data;
  auto id_of = [&owners](std::size_t i) {
    return owners.empty() || !owners[i] ? std::nullopt : std::optional(owners[i]->id);
  };
  if (auto ok = read_page_data(context, id_of(0), id_of(owners.size() - 1), data); !ok) {
    return problem_for(ok.error());
  }
  // Each team is written out as it is made, so that a page of 10,000 never holds them all as a
  // tree; then what the reads cached goes back, as after a scrape.
  std::string body = "{\"teams\":[";
  for (std::size_t i = 0; i < owners.size(); ++i) {
    body += (i == 0 ? "" : ",") + dump(team_json(context, owners[i], data));
  }
  body += "],\"next_cursor\":" + (page.next ? json(*page.next).dump() : std::string("null")) + "}";
  data = PageData{};
  teams->clear();
  teams->shrink_to_fit();
  context.db.release_memory();
  malloc_trim(0);
  return json_response(std::move(body));
}

HttpResponse show_team(const EndpointContext& context, const RouteContext& route) {
  if (!route.request.query.empty()) {
    return problem(400, "this endpoint takes no query parameters");
  }
  const std::string& id = route.params.at("id");
  std::optional<Team> team;
  if (id != "general") {
    auto parsed = parse_team_id(id);
    if (!parsed) {
      return problem(400, "team " + id + ": use a team id (1 to 2147483647) or general");
    }
    auto found = context.db.teams().find(*parsed);
    if (!found) {
      return problem_for(found.error());
    }
    if (!*found) {
      return problem(404, "team " + id + " does not exist");
    }
    team = std::move(**found);
  }
  PageData data;
  const std::optional<TeamId> key = team ? std::optional(team->id) : std::nullopt;
  if (auto ok = read_page_data(context, key, key, data); !ok) {
    return problem_for(ok.error());
  }
  json out = team_json(context, team, data);
  out["settings"] = team ? settings_json(*team) : json::object();
  return json_response(dump(out));
}

}  // namespace

void add_team_endpoints(Router& router, const EndpointContext& context) {
  router.add("GET", "/api/v1/teams", Access::kRead,
             [&context](const RouteContext& route) { return list_teams(context, route); });
  router.add("GET", "/api/v1/teams/{id}", Access::kRead,
             [&context](const RouteContext& route) { return show_team(context, route); });
}

}  // namespace orch::api
