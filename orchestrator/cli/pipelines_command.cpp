// `orchestrator pipelines list`: each configured pipeline, its schedule and who runs it.

#include <iostream>
#include <memory>

#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

// A team list longer than this shows its first ids and the count.
constexpr std::size_t kTeamsShown = 20;

std::string schedule_text(const config::Config& config, const config::NamedPipeline& p) {
  if (p.cron) {
    return "cron " + *p.cron;
  }
  if (p.run_time) {
    return "daily " + format_time_of_day(*p.run_time);
  }
  if (config.scheduler.default_cron) {
    return "cron " + *config.scheduler.default_cron;
  }
  return "daily " + format_time_of_day(config.scheduler.daily_run_time);
}

std::string command_text(const config::NamedPipeline& p) {
  std::string out;
  for (const std::string& word : p.settings.command) {
    out += (out.empty() ? "" : " ") + word;
  }
  return out;
}

// "1, 2, 3", or the first kTeamsShown ids and how many in all.
std::string team_list(const std::vector<TeamId>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < kTeamsShown; ++i) {
    out += (out.empty() ? "" : ", ") + std::to_string(ids[i].value);
  }
  if (ids.size() > kTeamsShown) {
    out += ", ... (" + std::to_string(ids.size()) + " teams)";
  }
  return out;
}

// `pipelines list`: each configured pipeline, its schedule and the teams that run it.
struct PipelinesOptions {
  Format format = Format::kTable;
};

// The teams as the format wants them: an array of ids in JSON, else text.
std::string id_list(const std::vector<TeamId>& list, Format format) {
  if (format != Format::kJson) {
    return team_list(list);
  }
  std::vector<std::int64_t> numbers;
  numbers.reserve(list.size());
  for (TeamId id : list) {
    numbers.push_back(id.value);
  }
  return json_array(numbers);
}

int pipelines_list(const config::Config& config, const PipelinesOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto teams = (*db)->teams().list(TeamStore::Which::kActive);
  if (!teams) {
    return fail(teams.error());
  }
  Table t;
  // In JSON, `general` is a boolean and the teams are arrays of ids.
  t.columns = {{"pipeline"},    {"schedule"},           {"general", true},
               {"teams", true}, {"paused_teams", true}, {"command"}};
  for (const config::NamedPipeline& p : config.pipelines) {
    std::vector<TeamId> running;
    std::vector<TeamId> paused;
    for (const Team& team : *teams) {
      if (!runs_pipeline(team, p)) {
        continue;
      }
      (team.paused || pipeline_paused(team, p.name) ? paused : running).push_back(team.id);
    }
    const bool json = options.format == Format::kJson;
    t.rows.push_back({p.name, schedule_text(config, p),
                      json ? (p.general ? "true" : "false") : (p.general ? "yes" : "no"),
                      id_list(running, options.format), id_list(paused, options.format),
                      command_text(p)});
  }
  print(t, options.format, std::cout);
  return kExitOk;
}

}  // namespace

void add_pipelines_command(Command& app) {
  auto options = std::make_shared<PipelinesOptions>();
  Command pipelines_cmd = app.subcommand("pipelines", "The configured pipelines");
  pipelines_cmd.needs_subcommand();
  Command list_cmd =
      pipelines_cmd.subcommand("list", "Each pipeline, its schedule and the teams that run it");
  list_cmd.format(options->format);
  list_cmd.runs([options](const Invocation& in) { return pipelines_list(in.config, *options); });
}

}  // namespace orch::cli
