// The named pipelines: `daily` from [pipeline], and each [pipelines.<name>] on top of it.

#include <algorithm>

#include "config/config_internal.h"

namespace orch::config {

const NamedPipeline* Config::find_pipeline(std::string_view name) const {
  auto it = std::find_if(pipelines.begin(), pipelines.end(),
                         [&](const NamedPipeline& p) { return p.name == name; });
  return it == pipelines.end() ? nullptr : &*it;
}

std::string Config::pipeline_names() const {
  std::string out;
  for (const NamedPipeline& p : pipelines) {
    out += (out.empty() ? "" : ", ") + p.name;
  }
  return out;
}

Config with_pipeline(const Config& config, const NamedPipeline& pipeline) {
  Config view = config;
  view.pipeline = pipeline.settings;
  return view;
}

void name_default_pipeline(Config& config) {
  (void)internal::apply_pipelines({}, nullptr, nullptr, config);  // cannot fail without sections
}

namespace internal {
namespace {

Error section_refusal(const PipelineSection& section, std::string_view key,
                      const std::string& shown_value, const std::filesystem::path* file,
                      const std::string& reason) {
  std::string where = "pipelines." + section.name + "." + std::string(key) + " = " + shown_value;
  if (file != nullptr) {
    where += " in " + file->string();
  }
  return refusal("configuration: " + where + " is not allowed: " + reason);
}

// The keys only a [pipelines.<name>] table has: its schedule and who runs it.
Status apply_schedule_keys(const PipelineSection& section, const std::filesystem::path* file,
                           Result<void> (*check_cron)(std::string_view), NamedPipeline& named) {
  // Both would leave one silently unused, as a team's --run-time with --cron would.
  if (section.run_time && section.cron) {
    return section_refusal(section, "run_time", quote(*section.run_time), file,
                           "a pipeline's schedule is run_time or cron, not both; remove one");
  }
  if (section.run_time) {
    auto t = parse_time_of_day(*section.run_time);
    if (!t) {
      return section_refusal(section, "run_time", quote(*section.run_time), file,
                             "use HH:MM or HH:MM:SS, 00:00 to 23:59:59");
    }
    named.run_time = *t;
  }
  if (section.cron) {
    if (check_cron != nullptr) {
      if (auto checked = check_cron(*section.cron); !checked) {
        return section_refusal(section, "cron", quote(*section.cron), file,
                               checked.error().message);
      }
    }
    named.cron = *section.cron;
  }
  if (section.teams) {
    std::vector<TeamId> teams;
    for (std::int64_t id : *section.teams) {
      if (id < 1 || id > kMaxTeamId) {
        return section_refusal(
            section, "teams", std::to_string(id), file,
            "a team id is a whole number from 1 to " + std::to_string(kMaxTeamId));
      }
      teams.push_back(TeamId{id});
    }
    std::sort(teams.begin(), teams.end());
    teams.erase(std::unique(teams.begin(), teams.end()), teams.end());
    named.teams = std::move(teams);
    named.general = false;
  }
  if (section.general_only.value_or(false)) {
    if (section.teams && !section.teams->empty()) {
      return section_refusal(section, "general_only", "true", file,
                             "it cannot be set together with a list of teams; use one or "
                             "the other");
    }
    named.teams = std::vector<TeamId>{};
    named.general = true;
  }
  return {};
}

}  // namespace

Status apply_pipelines(const std::vector<PipelineSection>& sections,
                       const std::filesystem::path* file,
                       Result<void> (*check_cron)(std::string_view), Config& config) {
  config.pipelines.clear();
  NamedPipeline daily;
  daily.name = std::string(kDefaultPipeline);
  daily.settings = config.pipeline;
  daily.general = config.scheduler.general_run;
  config.pipelines.push_back(std::move(daily));
  for (const PipelineSection& section : sections) {
    const bool is_daily = section.name == kDefaultPipeline;
    NamedPipeline named;
    named.name = section.name;
    named.general = config.scheduler.general_run;
    // Applied to a copy whose [pipeline] is the inherited one, so that each key's own apply
    // validates it exactly as in [pipeline].
    Config view = config;
    bool has_command = false;
    for (const PipelineSection::Entry& entry : section.entries) {
      if (auto ok = apply_setting(*entry.setting, entry.value, view); !ok) {
        std::string_view key = entry.setting->key.substr(std::string_view("pipeline.").size());
        return section_refusal(section, key, entry.shown, file, ok.error().message);
      }
      has_command = has_command || entry.setting->key == "pipeline.command";
    }
    if (!has_command && !is_daily) {
      return refusal("configuration: [pipelines." + section.name + "]" +
                     (file != nullptr ? " in " + file->string() : std::string()) +
                     " has no command: each pipeline but daily names its own program "
                     "(command = [\"/path/to/program\", ...])");
    }
    named.settings = view.pipeline;
    const RetryConfig& retry = named.settings.retry;
    if (retry.max_delay < retry.initial_delay) {
      return section_refusal(
          section, "retry.max_delay_seconds", std::to_string(retry.max_delay.count()), file,
          "use at least the initial delay (" + std::to_string(retry.initial_delay.count()) + ")");
    }
    if (auto ok = apply_schedule_keys(section, file, check_cron, named); !ok) {
      return ok;
    }
    if (is_daily) {
      config.pipelines.front() = std::move(named);
    } else {
      config.pipelines.push_back(std::move(named));
    }
  }
  return {};
}

}  // namespace internal
}  // namespace orch::config
