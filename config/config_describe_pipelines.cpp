// What describe() prints of a pipeline's settings and of the named pipelines, and the TOML
// writers describe() shares with it.

#include <cctype>

#include "config/config_internal.h"

namespace orch::config::internal {

std::string toml_bool(bool value) {
  return value ? "true" : "false";
}

std::string toml_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ", ") + quote(item);
  }
  return "[" + out + "]";
}

std::string toml_time(TimeOfDay t) {
  std::string text = format_time_of_day(t);  // HH:MM:SS
  if (t.since_midnight % std::chrono::minutes(1) == std::chrono::seconds(0)) {
    text.resize(5);
  }
  return quote(text);
}

namespace {

// A pipeline's own credentials travel in its environment too: hide what is named like one.
bool looks_secret(const std::string& name) {
  std::string upper;
  for (char c : name) {
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  for (const char* word : {"PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"}) {
    if (upper.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

PipelineEntries pipeline_entries(const PipelineConfig& p) {
  PipelineEntries e;
  std::vector<std::string> read_paths;
  for (const auto& path : p.read_paths) {
    read_paths.push_back(path.string());
  }
  e.keys = {
      {"command", toml_list(p.command)},
      {"timeout_seconds", std::to_string(p.timeout.count())},
      {"purchase_weekday", quote(weekday_name(p.purchase_weekday))},
      {"required_inputs", toml_list(p.required_inputs)},
      {"wait_for_inputs_seconds", std::to_string(p.wait_for_inputs.count())},
      {"input_settle_seconds", std::to_string(p.input_settle.count())},
      {"ready_marker", quote(p.ready_marker)},
      {"skip_unchanged", toml_bool(p.skip_unchanged)},
      {"condition", toml_list(p.condition)},
      {"log_max_bytes", std::to_string(p.log_max_bytes)},
      {"max_inputs", std::to_string(p.max_inputs)},
      {"hash_inputs", toml_bool(p.hash_inputs)},
      {"isolation", quote(p.isolation == Isolation::kLandlock ? "landlock" : "none")},
      {"isolation_required", toml_bool(p.isolation_required)},
      {"read_paths", toml_list(read_paths)},
  };
  e.retry = {
      {"max_attempts", std::to_string(p.retry.max_attempts)},
      {"initial_delay_seconds", std::to_string(p.retry.initial_delay.count())},
      {"max_delay_seconds", std::to_string(p.retry.max_delay.count())},
  };
  for (const auto& [name, value] : p.env) {
    e.env.emplace_back(is_bare_key(name) ? name : quote(name),
                       quote(looks_secret(name) ? std::string(kSecretShown) : value));
  }
  return e;
}

namespace {

// run_time, cron, teams and general_only, when they are not the defaults.
std::string schedule_keys(const NamedPipeline& named) {
  std::string out;
  if (named.run_time) {
    out += "run_time = " + toml_time(*named.run_time) + "\n";
  }
  if (named.cron) {
    out += "cron = " + quote(*named.cron) + "\n";
  }
  if (named.teams && named.teams->empty() && named.general) {
    out += "general_only = true\n";
  } else if (named.teams) {
    std::string ids;
    for (TeamId id : *named.teams) {
      ids += (ids.empty() ? "" : ", ") + std::to_string(id.value);
    }
    out += "teams = [" + ids + "]\n";
  }
  return out;
}

// The lines of `mine` whose value differs from the same key's in `base` (both come from
// pipeline_entries(), so the keys are in the same order).
std::string differing(const std::vector<std::pair<std::string, std::string>>& mine,
                      const std::vector<std::pair<std::string, std::string>>& base) {
  std::string out;
  for (std::size_t i = 0; i < mine.size() && i < base.size(); ++i) {
    if (mine[i].second != base[i].second) {
      out += mine[i].first + " = " + mine[i].second + "\n";
    }
  }
  return out;
}

}  // namespace

std::string describe_pipelines(const Config& config) {
  const PipelineEntries base = pipeline_entries(config.pipeline);
  std::string out;
  for (const NamedPipeline& named : config.pipelines) {
    const PipelineEntries mine = pipeline_entries(named.settings);
    std::string keys;
    // A pipeline but `daily` must name its command, so that the table loads back.
    if (named.name != kDefaultPipeline || mine.keys.front() != base.keys.front()) {
      keys += mine.keys.front().first + " = " + mine.keys.front().second + "\n";
    }
    keys += schedule_keys(named);
    std::vector<std::pair<std::string, std::string>> rest(mine.keys.begin() + 1, mine.keys.end());
    keys += differing(rest, {base.keys.begin() + 1, base.keys.end()});
    const std::string retry = differing(mine.retry, base.retry);
    // A table of variables is one key: a pipeline's own replaces [pipeline.env] whole. The maps
    // are compared, not their lines, which hide the values of credentials.
    std::string env;
    if (named.settings.env != config.pipeline.env) {
      for (const auto& [name, value] : mine.env) {
        env.append(name).append(" = ").append(value).append("\n");
      }
      if (mine.env.empty()) {
        env = "# none: [pipeline.env] is not passed on\n";
      }
    }
    if (keys.empty() && retry.empty() && env.empty()) {
      continue;  // `daily` exactly as [pipeline] says
    }
    const std::string table = "pipelines." + named.name;
    if (out.empty()) {
      out += "\n# Each pipeline with what differs from [pipeline] (which is `daily`'s).\n";
    }
    out.append("\n[").append(table).append("]\n").append(keys);
    if (!retry.empty()) {
      out.append("\n[").append(table).append(".retry]\n").append(retry);
    }
    if (!env.empty()) {
      out.append("\n[").append(table).append(".env]\n").append(env);
    }
  }
  return out;
}

}  // namespace orch::config::internal
