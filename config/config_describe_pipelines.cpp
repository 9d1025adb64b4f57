// What describe() prints of the named pipelines, and the TOML writers describe() shares with it.

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

std::string toml_env_entry(const std::string& name, const std::string& value) {
  // A pipeline's own credentials travel here too: hide what is named like one.
  std::string upper;
  for (char c : name) {
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  bool secret = false;
  for (const char* word : {"PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"}) {
    secret = secret || upper.find(word) != std::string::npos;
  }
  return (is_bare_key(name) ? name : quote(name)) + " = " +
         quote(secret ? std::string(kSecretShown) : value) + "\n";
}

namespace {

std::vector<std::string> path_texts(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    out.push_back(path.string());
  }
  return out;
}

// The keys of `named` but its command that differ from [pipeline] (`base`), as they load back;
// those of its sub-tables go to `retry` and `env`.
void differing_keys(const NamedPipeline& named, const PipelineConfig& base, std::string& out,
                    std::string& retry, std::string& env) {
  const PipelineConfig& p = named.settings;
  auto entry = [](std::string& to, std::string_view key, const std::string& value) {
    to += std::string(key) + " = " + value + "\n";
  };
  if (p.timeout != base.timeout) {
    entry(out, "timeout_seconds", std::to_string(p.timeout.count()));
  }
  if (p.purchase_weekday != base.purchase_weekday) {
    entry(out, "purchase_weekday", quote(weekday_name(p.purchase_weekday)));
  }
  if (p.required_inputs != base.required_inputs) {
    entry(out, "required_inputs", toml_list(p.required_inputs));
  }
  if (p.log_max_bytes != base.log_max_bytes) {
    entry(out, "log_max_bytes", std::to_string(p.log_max_bytes));
  }
  if (p.max_inputs != base.max_inputs) {
    entry(out, "max_inputs", std::to_string(p.max_inputs));
  }
  if (p.hash_inputs != base.hash_inputs) {
    entry(out, "hash_inputs", toml_bool(p.hash_inputs));
  }
  if (p.isolation != base.isolation) {
    entry(out, "isolation", quote(p.isolation == Isolation::kLandlock ? "landlock" : "none"));
  }
  if (p.isolation_required != base.isolation_required) {
    entry(out, "isolation_required", toml_bool(p.isolation_required));
  }
  if (p.read_paths != base.read_paths) {
    entry(out, "read_paths", toml_list(path_texts(p.read_paths)));
  }
  if (p.retry.max_attempts != base.retry.max_attempts) {
    entry(retry, "max_attempts", std::to_string(p.retry.max_attempts));
  }
  if (p.retry.initial_delay != base.retry.initial_delay) {
    entry(retry, "initial_delay_seconds", std::to_string(p.retry.initial_delay.count()));
  }
  if (p.retry.max_delay != base.retry.max_delay) {
    entry(retry, "max_delay_seconds", std::to_string(p.retry.max_delay.count()));
  }
  // A table of variables is one key: a pipeline's own replaces [pipeline.env] whole.
  if (p.env != base.env) {
    for (const auto& [name, value] : p.env) {
      env += toml_env_entry(name, value);
    }
    if (p.env.empty()) {
      env = "# none\n";  // an empty table that replaces a non-empty one
    }
  }
}

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

}  // namespace

std::string describe_pipelines(const Config& config) {
  std::string out;
  for (const NamedPipeline& named : config.pipelines) {
    std::string keys;
    // A pipeline but `daily` must name its command, so that the table loads back.
    if (named.settings.command != config.pipeline.command || named.name != kDefaultPipeline) {
      keys += "command = " + toml_list(named.settings.command) + "\n";
    }
    keys += schedule_keys(named);
    std::string retry;
    std::string env;
    differing_keys(named, config.pipeline, keys, retry, env);
    if (keys.empty() && retry.empty() && env.empty()) {
      continue;  // `daily` exactly as [pipeline] says
    }
    const std::string table = "pipelines." + named.name;
    if (out.empty()) {
      out += "\n# Each pipeline with what differs from [pipeline] (which is `daily`'s).\n";
    }
    out += "\n[" + table + "]\n" + keys;
    if (!retry.empty()) {
      out += "\n[" + table + ".retry]\n" + retry;
    }
    if (!env.empty()) {
      out += "\n[" + table + ".env]\n" + env;
    }
  }
  return out;
}

}  // namespace orch::config::internal
