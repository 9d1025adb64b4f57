#include "orchestrator/core/team_schedules.h"

#include "config/base/log.h"
#include "orchestrator/schedule/cron_expression.h"

namespace orch {

Result<ResolvedTeam> resolve_team(const std::optional<Team>& team, const config::Config& config,
                                  SysTime general_since) {
  // A row written by SQL directly may hold an id that every command refuses: not scheduled
  // either, or `serve` would run a team no command can name.
  if (team && (team->id.value < 1 || team->id.value > kMaxTeamId)) {
    return invalid_argument("team " + std::to_string(team->id.value) +
                            ": a team id is a whole number from 1 to " +
                            std::to_string(kMaxTeamId));
  }
  ResolvedTeam r;
  r.schedule.run_time = config.scheduler.daily_run_time;
  r.schedule.zone = config.scheduler.zone;
  // The schedule: the team's own cron expression, else its own run time, else the configured
  // default cron expression, else the configured daily run time.
  std::optional<std::string> cron_text = config.scheduler.default_cron;
  std::string cron_owner = "scheduler.default_cron";
  if (team && team->cron) {
    cron_text = team->cron;
    cron_owner = "team " + std::to_string(team->id.value) + ": cron";
  } else if (team && team->run_time) {
    cron_text.reset();
  }
  if (cron_text) {
    auto cron = parse_cron(*cron_text);
    if (!cron) {
      return invalid_argument(cron_owner + ": " + cron.error().message);
    }
    r.schedule.cron = std::move(*cron);
  }
  r.schedule.active_since = general_since;
  r.target.name = "general";
  r.target.retry = config.pipeline.retry;
  if (team) {
    r.schedule.team = team->id;
    r.schedule.name = team->name;
    r.schedule.active_since = team->active_since;
    r.target.team = team->id;
    r.target.name = team->name;
    r.target.slack_webhook = team->notify_slack_webhook.value_or("");
    // Stored as typed: "a@example.com, b@example.com".
    std::string list = team->notify_email.value_or("");
    for (std::size_t start = 0; start < list.size();) {
      auto comma = list.find(',', start);
      std::string address =
          list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      address.erase(0, address.find_first_not_of(" \t"));
      address.erase(address.find_last_not_of(" \t") + 1);
      if (!address.empty()) {
        r.target.email_to.push_back(address);
      }
      start = comma == std::string::npos ? list.size() : comma + 1;
    }
    if (team->run_time) {
      auto t = parse_time_of_day(*team->run_time);
      if (!t) {
        return invalid_argument("team " + std::to_string(team->id.value) +
                                ": run_time " + t.error().message);
      }
      r.schedule.run_time = *t;
    }
    if (team->retry_max_attempts) {
      r.target.retry.max_attempts = *team->retry_max_attempts;
    }
    if (team->retry_initial_delay_seconds) {
      r.target.retry.initial_delay = std::chrono::seconds(*team->retry_initial_delay_seconds);
    }
    if (team->retry_max_delay_seconds) {
      r.target.retry.max_delay = std::chrono::seconds(*team->retry_max_delay_seconds);
    }
    if (r.target.retry.max_delay < r.target.retry.initial_delay) {
      return invalid_argument("team " + std::to_string(team->id.value) +
                              ": retry max delay " +
                              std::to_string(r.target.retry.max_delay.count()) +
                              " s is shorter than its initial delay " +
                              std::to_string(r.target.retry.initial_delay.count()) + " s");
    }
    if (team->timezone) {
      auto zone = find_zone(*team->timezone);
      if (!zone) {
        return invalid_argument("team " + std::to_string(team->id.value) + ": timezone " +
                                zone.error().message);
      }
      r.schedule.zone = *zone;
    }
  } else {
    r.schedule.name = "general";
  }
  r.target.zone = r.schedule.zone;
  return r;
}

std::vector<ResolvedTeam> resolve_schedules(const std::vector<Team>& teams,
                                            const config::Config& config,
                                            SysTime general_since) {
  std::vector<ResolvedTeam> out;
  out.reserve(teams.size() + 1);
  for (const Team& team : teams) {
    if (!team.active || team.paused) {
      continue;
    }
    auto r = resolve_team(team, config, general_since);
    if (!r) {
      log::error("team_not_scheduled", {{"reason", r.error().message}});
      continue;
    }
    out.push_back(std::move(*r));
  }
  if (config.scheduler.general_run) {
    auto general = resolve_team(std::nullopt, config, general_since);
    if (general) {
      out.push_back(std::move(*general));
    } else {
      log::error("general_run_not_scheduled", {{"reason", general.error().message}});
    }
  }
  return out;
}

}  // namespace orch
