#include <malloc.h>

#include <chrono>
#include <map>

#include "orchestrator/api/endpoints.h"
#include "orchestrator/api/process_metrics.h"
#include "orchestrator/api/team_gauges.h"
#include "orchestrator/core/team_schedules.h"

#ifndef ORCH_VERSION
#define ORCH_VERSION "unknown"
#endif

namespace orch::api {
namespace {

using Type = PrometheusText::Type;

std::string team_label(const std::optional<TeamId>& team) {
  return team ? std::to_string(team->value) : "general";
}

double seconds(SysTime t) {
  return static_cast<double>(t.time_since_epoch().count()) / 1000.0;
}

// The gauges of every schedule the service keeps (resolve_schedules), without its log lines: a
// team whose stored settings do not resolve is not scheduled, and the service says so once, not
// each scrape.
std::vector<TeamGauges> collect_gauges(const EndpointContext& context,
                                       const std::vector<Team>& teams,
                                       const std::vector<TeamRunSummary>& summaries,
                                       SysTime installed, SysTime now) {
  std::map<std::pair<std::optional<TeamId>, std::string>, const TeamRunSummary*> by_key;
  for (const auto& s : summaries) {
    by_key[{s.team, s.pipeline}] = &s;
  }
  const auto& pipelines = context.config.pipelines;
  std::vector<TeamGauges> gauges;
  auto add = [&](const std::optional<Team>& team, std::uint16_t index) {
    auto resolved = resolve_team(team, index, context.config, installed);
    if (!resolved) {
      return;
    }
    auto it = by_key.find({resolved->schedule.team, pipelines[index].name});
    gauges.push_back(team_gauges(resolved->schedule, it == by_key.end() ? nullptr : it->second,
                                 context.config.scheduler.misfire_grace,
                                 pipelines[index].settings.timeout, now));
  };
  if (!context.config.scheduler.enabled) {
    return gauges;
  }
  const auto count = static_cast<std::uint16_t>(pipelines.size());
  for (const Team& team : teams) {
    for (std::uint16_t i = 0; team.active && !team.paused && i < count; ++i) {
      if (runs_pipeline(team, pipelines[i]) && !pipeline_paused(team, pipelines[i].name)) {
        add(team, i);
      }
    }
  }
  for (std::uint16_t i = 0; i < count; ++i) {
    if (runs_pipeline(std::nullopt, pipelines[i])) {
      add(std::nullopt, i);
    }
  }
  return gauges;
}

void write_gauge_families(const std::vector<config::NamedPipeline>& pipelines,
                          const std::vector<TeamGauges>& gauges, PrometheusText& out) {
  auto labels = [&pipelines](const TeamGauges& g) -> Labels {
    return {{"team", team_label(g.team)}, {"pipeline", pipelines[g.pipeline].name}};
  };
  out.family("orchestrator_team_last_success_timestamp_seconds",
             "When the team's latest completed run ended (absent: none yet).", Type::kGauge);
  for (const auto& g : gauges) {
    if (g.last_success) {
      out.sample("orchestrator_team_last_success_timestamp_seconds", labels(g),
                 seconds(*g.last_success));
    }
  }
  out.family("orchestrator_team_next_run_timestamp_seconds", "When the team's next slot is due.",
             Type::kGauge);
  for (const auto& g : gauges) {
    if (g.next_run) {
      out.sample("orchestrator_team_next_run_timestamp_seconds", labels(g), seconds(*g.next_run));
    }
  }
  out.family("orchestrator_team_overdue",
             "1 while the team's latest slot has no completed run past slot + misfire grace + "
             "timeout.",
             Type::kGauge);
  for (const auto& g : gauges) {
    out.sample("orchestrator_team_overdue", labels(g), g.overdue ? 1 : 0);
  }
}

// The team gauges, from the database alone (teams, their completed runs) and the configuration,
// so that every replica sharing the database shows the same values.
void write_team_gauges(const EndpointContext& context, SysTime now, PrometheusText& out) {
  auto teams = context.db.teams().list(TeamStore::Which::kActive);
  auto summaries = context.db.queries().team_summaries();
  auto installed = context.db.registry().installed_at();
  auto running = context.db.queries().running_count();
  if (!teams || !summaries || !installed || !running) {
    return;
  }
  out.family("orchestrator_runs_running", "Runs in progress now, whichever service runs them.",
             Type::kGauge);
  out.sample("orchestrator_runs_running", {}, static_cast<double>(*running));
  write_gauge_families(context.config.pipelines,
                       collect_gauges(context, *teams, *summaries, *installed, now), out);
}

}  // namespace

void add_metrics_endpoint(Router& router, const EndpointContext& context) {
  router.add("GET", "/metrics", Access::kRead, [&context](const RouteContext&) {
    PrometheusText out;
    bool up = static_cast<bool>(context.db.queries().ping());
    out.family("orchestrator_database_up", "1 when the database answers this process.",
               Type::kGauge);
    out.sample("orchestrator_database_up", {}, up ? 1 : 0);
    out.family("orchestrator_build_info", "The orchestrator's version.", Type::kGauge);
    out.sample("orchestrator_build_info", {{"version", ORCH_VERSION}}, 1);
    if (up) {
      write_team_gauges(
          context, std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()),
          out);
    }
    context.metrics.write(out);
    write_process_metrics(out);
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = out.take();
    // A scrape of 10,000 teams reads them all: give the pages SQLite cached and the heap the
    // reading left back, so that the idle service stays as small as it was before.
    context.db.release_memory();
    malloc_trim(0);
    return response;
  });
}

}  // namespace orch::api
