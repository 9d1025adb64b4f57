#include <iostream>

#include "config/base/terminal_text.h"
#include "notify/network_plugin.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {

int fail(const Error& error) {
  // A message may quote what a person typed or what the database holds: escaped, it stays one
  // line and cannot drive the terminal.
  std::cerr << "error: " << escape_controls(error.message) << "\n";
  switch (error.code) {
    case ErrorCode::kUnavailable:
      return kExitDatabase;
    case ErrorCode::kFailedPrecondition:
      return kExitBusy;
    case ErrorCode::kDeadlineExceeded:
      return kExitTimeout;
    case ErrorCode::kInternal:
      return kExitRunFailed;
    default:
      return kExitUsage;
  }
}

Status load_notify_plugin(const config::Config& config, std::optional<config::Channel> channel) {
  auto name = [](config::Channel c) { return c == config::Channel::kEmail ? "email" : "slack"; };
  std::string needed_by;
  std::string or_else;
  if (channel) {
    needed_by = std::string("notify test --channel ") + name(*channel);
  } else {
    std::string on;
    for (config::Channel c : config.notify.channels) {
      if (c != config::Channel::kLog) {
        on += (on.empty() ? "" : " and ") + std::string(name(c));
      }
    }
    if (on.empty()) {
      return {};
    }
    needed_by = "notify.channels turns on " + on;
    or_else = ", or take " + on + " out of notify.channels (NOTIFY_CHANNELS)";
  }
  auto loaded = notify::load_network_plugin();
  if (!loaded) {
    // The installation does not match the configuration: a configuration error (exit 2).
    return invalid_argument(needed_by + ": " + loaded.error().message + or_else);
  }
  return {};
}

Result<std::unique_ptr<Database>> open_database(const config::Config& config, int connections,
                                                Database::OpenMode mode) {
  return Database::open(config.database.url, connections, mode);
}

Result<std::optional<TeamId>> parse_team_option(const std::optional<std::string>& text) {
  if (!text) {
    return std::optional<TeamId>();
  }
  auto id = parse_team_id(*text);
  if (!id) {
    return invalid_argument("--team: " + id.error().message);
  }
  return std::optional<TeamId>(*id);
}

Result<std::string> parse_pipeline_option(const config::Config& config,
                                          const std::optional<std::string>& text) {
  if (!text) {
    return std::string(kDefaultPipeline);
  }
  if (config.find_pipeline(*text) == nullptr) {
    return invalid_argument("--pipeline: '" + *text + "' is not a configured pipeline (" +
                            (config.pipelines.size() == 1 ? "there is only " : "use one of: ") +
                            config.pipeline_names() + ")");
  }
  return *text;
}

std::string describe_owner(const std::optional<TeamId>& team, const std::string& pipeline) {
  std::string owner = describe_team(team);
  if (pipeline != kDefaultPipeline) {
    owner += "'s " + pipeline + " pipeline";
  }
  return owner;
}

Result<ResolvedTeam> team_to_run(Database& db, const config::Config& config,
                                 std::optional<TeamId> id, const std::string& pipeline) {
  std::optional<Team> team;
  if (id) {
    auto found = db.teams().find(*id);
    if (!found) {
      return found.error();
    }
    if (!found->has_value()) {
      return not_found("team " + std::to_string(id->value) +
                       " does not exist (see `orchestrator teams list`)");
    }
    team = **found;
  }
  auto index = pipeline_index(config, pipeline);
  if (!index) {
    return invalid_argument("pipeline '" + pipeline +
                            "' is not configured (the configuration has " +
                            config.pipeline_names() + ")");
  }
  return resolve_team(team, *index, config, SysTime{});
}

}  // namespace orch::cli
