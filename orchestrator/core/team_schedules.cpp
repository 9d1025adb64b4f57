#include "orchestrator/core/team_schedules.h"

#include <algorithm>

#include "config/base/log.h"
#include "orchestrator/schedule/cron_expression.h"

namespace orch {
namespace {

std::string team_text(const Team& team) {
  return "team " + std::to_string(team.id.value);
}

// "a@example.com, b@example.com" as stored -> its addresses.
std::vector<std::string> split_addresses(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < list.size();) {
    auto comma = list.find(',', start);
    std::string address =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    address.erase(0, address.find_first_not_of(" \t"));
    address.erase(address.find_last_not_of(" \t") + 1);
    if (!address.empty()) {
      out.push_back(address);
    }
    start = comma == std::string::npos ? list.size() : comma + 1;
  }
  return out;
}

const TeamPipeline* own_settings(const Team& team, std::string_view pipeline) {
  for (const TeamPipeline& p : team.pipeline_settings) {
    if (p.pipeline == pipeline) {
      return &p;
    }
  }
  return nullptr;
}

// The team's own schedule of the pipeline: for `daily` its run_time and cron, else its row of
// team_pipelines.
struct OwnSchedule {
  std::optional<std::string> run_time;
  std::optional<std::string> cron;
  std::string owner;  // how messages name where it is stored
};

OwnSchedule own_schedule(const Team& team, const config::NamedPipeline& pipeline) {
  if (pipeline.name == kDefaultPipeline) {
    return {team.run_time, team.cron, team_text(team)};
  }
  const TeamPipeline* own = own_settings(team, pipeline.name);
  if (own == nullptr) {
    return {};
  }
  return {own->run_time, own->cron, team_text(team) + ", pipeline " + pipeline.name};
}

// The team's overrides of the retry settings apply to its `daily` pipeline, like its run_time.
Status apply_retry_overrides(const Team& team, config::RetryConfig& retry) {
  if (team.retry_max_attempts) {
    retry.max_attempts = *team.retry_max_attempts;
  }
  if (team.retry_initial_delay_seconds) {
    retry.initial_delay = std::chrono::seconds(*team.retry_initial_delay_seconds);
  }
  if (team.retry_max_delay_seconds) {
    retry.max_delay = std::chrono::seconds(*team.retry_max_delay_seconds);
  }
  if (retry.max_delay < retry.initial_delay) {
    return invalid_argument(team_text(team) + ": retry max delay " +
                            std::to_string(retry.max_delay.count()) +
                            " s is shorter than its initial delay " +
                            std::to_string(retry.initial_delay.count()) + " s");
  }
  return {};
}

}  // namespace

bool runs_pipeline(const std::optional<Team>& team, const config::NamedPipeline& pipeline) {
  if (!team) {
    return pipeline.general;
  }
  if (team->pipelines) {
    return std::find(team->pipelines->begin(), team->pipelines->end(), pipeline.name) !=
           team->pipelines->end();
  }
  return !pipeline.teams ||
         std::binary_search(pipeline.teams->begin(), pipeline.teams->end(), team->id);
}

std::optional<std::uint16_t> pipeline_index(const config::Config& config, std::string_view name) {
  for (std::size_t i = 0; i < config.pipelines.size(); ++i) {
    if (config.pipelines[i].name == name) {
      return static_cast<std::uint16_t>(i);
    }
  }
  return std::nullopt;
}

bool pipeline_paused(const Team& team, std::string_view pipeline) {
  const TeamPipeline* own = own_settings(team, pipeline);
  return own != nullptr && own->paused;
}

namespace {

// The schedule's timing: the pipeline's own cron expression, else its run time, else the
// configured default cron; then the team's own schedule of it, which wins.
Status resolve_timing(const std::optional<Team>& team, const config::NamedPipeline& named,
                      const config::Config& config, ScheduledTeam& schedule) {
  schedule.run_time = named.run_time.value_or(config.scheduler.daily_run_time);
  std::optional<std::string> cron_text = config.scheduler.default_cron;
  std::string cron_owner = "scheduler.default_cron";
  if (named.cron) {
    cron_text = named.cron;
    cron_owner = "pipelines." + named.name + ".cron";
  } else if (named.run_time) {
    cron_text.reset();
  }
  OwnSchedule own = team ? own_schedule(*team, named) : OwnSchedule{};
  if (own.cron) {
    cron_text = own.cron;
    cron_owner = own.owner + ": cron";
  } else if (own.run_time) {
    cron_text.reset();
    auto t = parse_time_of_day(*own.run_time);
    if (!t) {
      return invalid_argument(own.owner + ": run_time " + t.error().message);
    }
    schedule.run_time = *t;
  }
  if (cron_text) {
    auto cron = parse_cron(*cron_text);
    if (!cron) {
      return invalid_argument(cron_owner + ": " + cron.error().message);
    }
    schedule.cron = std::move(*cron);
  }
  return {};
}

// The team's daylight-saving policy, else the configured one (load() checked both).
Result<DstPolicy> resolve_dst(const std::optional<Team>& team, const config::Config& config) {
  auto skipped = parse_dst_skipped(team && team->dst_skipped ? *team->dst_skipped
                                                             : config.scheduler.dst_skipped);
  auto repeated = parse_dst_repeated(team && team->dst_repeated ? *team->dst_repeated
                                                                : config.scheduler.dst_repeated);
  if (!skipped || !repeated) {
    return invalid_argument((team ? team_text(*team) : std::string("general")) + ": dst policy " +
                            (!skipped ? skipped.error().message : repeated.error().message));
  }
  return DstPolicy{*skipped, *repeated};
}

// What the team's row adds to the pipeline's schedule and run target.
Status apply_team(const Team& team, const config::NamedPipeline& named, ResolvedTeam& r) {
  r.schedule.team = team.id;
  r.schedule.active_since = team.active_since;
  if (const TeamPipeline* settings = own_settings(team, named.name);
      settings != nullptr && settings->active_since) {
    r.schedule.active_since = std::max(r.schedule.active_since, *settings->active_since);
  }
  r.target.team = team.id;
  r.target.name = team.name;
  r.target.slack_webhook = team.notify_slack_webhook.value_or("");
  r.target.buffer_one = team.overlap == "buffer-one";
  r.target.email_to = split_addresses(team.notify_email.value_or(""));
  if (named.name == kDefaultPipeline) {
    if (Status ok = apply_retry_overrides(team, r.target.retry); !ok) {
      return ok.error();
    }
    r.target.upstreams = team.upstreams;
    if (team.wait_for_inputs_seconds) {
      r.target.wait_for_inputs = std::chrono::seconds(*team.wait_for_inputs_seconds);
    }
  }
  if (team.timezone) {
    auto zone = find_zone(*team.timezone);
    if (!zone) {
      return invalid_argument(team_text(team) + ": timezone " + zone.error().message);
    }
    r.schedule.zone = *zone;
  }
  return {};
}

}  // namespace

Result<ResolvedTeam> resolve_team(const std::optional<Team>& team, std::uint16_t pipeline,
                                  const config::Config& config, SysTime general_since) {
  // A row written by SQL directly may hold an id that every command refuses: not scheduled
  // either, or `serve` would run a team no command can name.
  if (team && (team->id.value < 1 || team->id.value > kMaxTeamId)) {
    return invalid_argument("team " + std::to_string(team->id.value) +
                            ": a team id is a whole number from 1 to " +
                            std::to_string(kMaxTeamId));
  }
  if (pipeline >= config.pipelines.size()) {
    return invalid_argument("pipeline " + std::to_string(pipeline) + " is not configured");
  }
  const config::NamedPipeline& named = config.pipelines[pipeline];
  ResolvedTeam r;
  r.schedule.pipeline = pipeline;
  r.schedule.zone = config.scheduler.zone;
  if (Status timed = resolve_timing(team, named, config, r.schedule); !timed) {
    return timed.error();
  }
  auto dst = resolve_dst(team, config);
  if (!dst) {
    return dst.error();
  }
  r.schedule.dst = *dst;
  r.schedule.active_since = general_since;
  r.target.name = "general";
  r.target.pipeline = named.name;
  r.target.retry = named.settings.retry;
  if (team) {
    if (Status applied = apply_team(*team, named, r); !applied) {
      return applied.error();
    }
  } else {
  }
  r.target.zone = r.schedule.zone;
  return r;
}

namespace {

// A team's list may name a pipeline the configuration no longer has: said at every load.
void warn_unknown_pipelines(const Team& team, const config::Config& config) {
  if (!team.pipelines) {
    return;
  }
  for (const std::string& name : *team.pipelines) {
    if (config.find_pipeline(name) == nullptr) {
      log::warn("team_pipeline_unknown",
                {{"team", team_text(team)},
                 {"pipeline", name},
                 {"effect", "not run: the configuration has no such pipeline (it has " +
                                config.pipeline_names() + ")"}});
    }
  }
}

}  // namespace

std::vector<ResolvedTeam> resolve_schedules(const std::vector<Team>& teams,
                                            const config::Config& config, SysTime general_since) {
  std::vector<ResolvedTeam> out;
  out.reserve(teams.size() + 1);
  const auto count = static_cast<std::uint16_t>(config.pipelines.size());
  for (const Team& team : teams) {
    if (!team.active || team.paused) {
      continue;
    }
    for (std::uint16_t i = 0; i < count; ++i) {
      const config::NamedPipeline& named = config.pipelines[i];
      if (!runs_pipeline(team, named) || pipeline_paused(team, named.name)) {
        continue;
      }
      auto r = resolve_team(team, i, config, general_since);
      if (!r) {
        log::error("team_not_scheduled", {{"pipeline", named.name}, {"reason", r.error().message}});
        continue;
      }
      out.push_back(std::move(*r));
    }
    warn_unknown_pipelines(team, config);
  }
  for (std::uint16_t i = 0; i < count; ++i) {
    if (!runs_pipeline(std::nullopt, config.pipelines[i])) {
      continue;
    }
    auto general = resolve_team(std::nullopt, i, config, general_since);
    if (general) {
      out.push_back(std::move(*general));
    } else {
      log::error("general_run_not_scheduled",
                 {{"pipeline", config.pipelines[i].name}, {"reason", general.error().message}});
    }
  }
  return out;
}

}  // namespace orch
