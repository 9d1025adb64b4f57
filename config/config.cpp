#include "config/config.h"

#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include "config/config_internal.h"

namespace orch::config {
namespace {

namespace fs = std::filesystem;
using internal::Kind;
using internal::quote;
using internal::refusal;
using internal::Secrecy;
using internal::Setting;
using internal::Value;

constexpr std::string_view kDefaultFileName = "orchestrator.toml";

std::string shown(const Setting& s, const std::string& text) {
  switch (s.secrecy) {
    case Secrecy::kPublic:
      return quote(text);
    case Secrecy::kUrl:
      return quote(redact_url(text));
    case Secrecy::kSecret:
      break;
  }
  return std::string(internal::kSecretShown);
}

Result<Value> from_env(const Setting& s, const std::string& text) {
  switch (s.kind) {
    case Kind::kBool: {
      auto b = internal::parse_bool(text);
      return b ? Result<Value>(Value{*b}) : Result<Value>(b.error());
    }
    case Kind::kInteger: {
      auto n = internal::parse_integer(text);
      return n ? Result<Value>(Value{*n}) : invalid_argument("use " + internal::range_text(s));
    }
    case Kind::kStringList: {
      if (s.env_syntax == internal::EnvSyntax::kCommandLine) {
        auto argv = internal::parse_command_line(text);
        return argv ? Result<Value>(Value{*argv}) : Result<Value>(argv.error());
      }
      return Value{internal::split_comma_list(text)};
    }
    case Kind::kString:
    case Kind::kStringTable:
    case Kind::kTableList:
      break;
  }
  return Value{text};
}

Status apply_environment(const std::map<std::string, std::string>& env, Config& config) {
  for (const Setting& s : internal::settings()) {
    if (s.env.empty()) {
      continue;
    }
    auto it = env.find(std::string(s.env));
    // An empty variable counts as unset: `FOO= orchestrator` is how a shell clears one.
    if (it == env.end() || it->second.empty()) {
      continue;
    }
    if (auto ok = internal::apply_setting(s, from_env(s, it->second), config); !ok) {
      return internal::not_allowed(s, {.env = s.env}, shown(s, it->second), ok.error().message);
    }
  }
  return {};
}

// The file to read: --config, else $ORCHESTRATOR_CONFIG (either must exist), else
// orchestrator.toml in the working folder, else the system's file, if present.
Result<std::optional<fs::path>> choose_file(const LoadOptions& options, const fs::path& dir) {
  std::error_code ec;
  std::optional<std::string> given;  // where the file was named, when it must exist
  fs::path file;
  auto env = options.env.find("ORCHESTRATOR_CONFIG");
  if (options.config_path) {
    given = "the file given with --config";
    file = fs::absolute(*options.config_path, ec).lexically_normal();
  } else if (env != options.env.end() && !env->second.empty()) {
    given = "the file ORCHESTRATOR_CONFIG names";
    file = (dir / env->second).lexically_normal();
  } else if (file = dir / kDefaultFileName; !fs::exists(file, ec)) {
    file = options.system_config;
  }
  if (file.empty() || !fs::exists(file, ec)) {
    if (given) {
      return refusal("configuration: " + *given + ", " + file.string() + ", does not exist");
    }
    return std::optional<fs::path>();
  }
  // toml++ reads a folder as an empty file, which would quietly mean "all defaults".
  if (!fs::is_regular_file(file, ec)) {
    return refusal("configuration: " + file.string() + " is not a file");
  }
  return std::optional<fs::path>(file);
}

fs::path absolute_in(const fs::path& dir, const fs::path& path) {
  fs::path out = (dir / path).lexically_normal();
  // "data/inputs/" and "data/inputs" name one folder: drop the trailing separator.
  if (!out.has_filename() && out.has_relative_path()) {
    out = out.parent_path();
  }
  return out;
}

Status require_for_channel(Channel channel, const Config& config) {
  auto missing = [&](std::string_view key, std::string_view env) {
    return refusal("configuration: " + std::string(key) + " (" + std::string(env) +
                   ") must be set when notify.channels includes " +
                   std::string(internal::channel_name(channel)));
  };
  const auto& notify = config.notify;
  if (channel == Channel::kEmail && notify.smtp.host.empty()) {
    return missing("notify.smtp.host", "SMTP_HOST");
  }
  if (channel == Channel::kEmail && notify.smtp.from.empty()) {
    return missing("notify.smtp.from", "SMTP_FROM");
  }
  // Slack needs no global webhook: a site may give each team its own (teams add --slack-webhook)
  // and leave the others without Slack messages.
  return {};
}

// What no single key can check: absolute paths, the zone of the default, channel requirements.
Status finish(const fs::path& dir, Config& config) {
  config.paths.input_dir = absolute_in(dir, config.paths.input_dir);
  config.paths.output_dir = absolute_in(dir, config.paths.output_dir);
  for (auto& path : config.pipeline.read_paths) {
    path = absolute_in(dir, path);
  }
  for (auto& named : config.pipelines) {
    for (auto& path : named.settings.read_paths) {
      path = absolute_in(dir, path);
    }
  }
  if (auto path = internal::sqlite_path(config.database.url)) {
    config.database.url = "sqlite:" + absolute_in(dir, *path).string();
  }
  if (config.scheduler.zone == nullptr) {
    auto zone = find_zone(config.scheduler.timezone);
    if (!zone) {
      return refusal("configuration: scheduler.timezone = " + quote(config.scheduler.timezone) +
                     " is not allowed: it is not in the system's time zone database");
    }
    config.scheduler.zone = *zone;
  }
  auto& smtp = config.notify.smtp;
  if (smtp.tls_given && smtp.starttls && smtp.tls != SmtpTls::kStartTls) {
    return refusal("configuration: notify.smtp.tls = " + quote(internal::smtp_tls_name(smtp.tls)) +
                   " is not allowed with notify.smtp.starttls = true: use tls = \"starttls\", "
                   "or set starttls = false");
  }
  if (!smtp.tls_given && smtp.starttls) {
    smtp.tls = SmtpTls::kStartTls;
  }
  // AUTH on a plain connection would send the password in the clear.
  if (!smtp.user.empty() && smtp.tls == SmtpTls::kPlain) {
    return refusal(
        "configuration: notify.smtp.user (SMTP_USER) is set while notify.smtp.tls = "
        "\"plain\": the password would travel in the clear; use tls = \"starttls\" "
        "or \"tls\"");
  }
  if (config.notify.retry.max_delay < config.notify.retry.initial_delay) {
    return refusal("configuration: notify.retry.max_delay_ms = " +
                   std::to_string(config.notify.retry.max_delay.count()) +
                   " is not allowed: use at least notify.retry.initial_delay_ms (" +
                   std::to_string(config.notify.retry.initial_delay.count()) + ")");
  }
  const RetryConfig& retry = config.pipeline.retry;
  if (retry.max_delay < retry.initial_delay) {
    return refusal("configuration: pipeline.retry.max_delay_seconds = " +
                   std::to_string(retry.max_delay.count()) +
                   " is not allowed: use at least pipeline.retry.initial_delay_seconds (" +
                   std::to_string(retry.initial_delay.count()) + ")");
  }
  for (Channel channel : config.notify.channels) {
    if (auto ok = require_for_channel(channel, config); !ok) {
      return ok;
    }
  }
  return {};
}

// scheduler.default_cron through the scheduler's own parser, refused like any other bad value.
Status check_default_cron(const LoadOptions& options, const Config& config) {
  const auto& expression = config.scheduler.default_cron;
  if (!expression || options.check_cron == nullptr) {
    return {};
  }
  auto checked = options.check_cron(*expression);
  if (checked) {
    return {};
  }
  for (const internal::Setting& s : internal::settings()) {
    if (s.key != "scheduler.default_cron") {
      continue;
    }
    auto env = options.env.find(std::string(s.env));
    // The environment when it set the key (or when there is no file to name), else the file.
    internal::Origin origin;
    const bool from_env = env != options.env.end() && !env->second.empty();
    if (from_env || !config.source_file) {
      origin.env = s.env;
    } else {
      origin.file = &*config.source_file;
    }
    return internal::not_allowed(s, origin, quote(*expression), checked.error().message);
  }
  return internal::refusal("configuration: scheduler.default_cron: " + checked.error().message);
}

}  // namespace

Result<Config> load(const LoadOptions& options) {
  std::error_code ec;
  fs::path dir =
      options.working_dir.empty() ? fs::current_path(ec) : fs::absolute(options.working_dir, ec);
  if (ec) {
    return refusal("configuration: cannot resolve the working folder: " + ec.message());
  }
  dir = dir.lexically_normal();

  Config config;
  // hardware_concurrency() may return 0 when it cannot tell.
  config.scheduler.max_parallel_runs =
      std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 1024);
  if (!options.default_pipeline.empty()) {
    config.pipeline.command = {options.default_pipeline.string()};
  }
  config.pipeline.sandbox_helper = options.sandbox_helper;

  auto file = choose_file(options, dir);
  if (!file) {
    return file.error();
  }
  std::vector<internal::PipelineSection> pipelines;
  if (*file) {
    if (auto ok = internal::apply_file(**file, config, pipelines); !ok) {
      return ok.error();
    }
    config.source_file = **file;
  }
  if (auto ok = apply_environment(options.env, config); !ok) {
    return ok.error();
  }
  const fs::path* source = config.source_file ? &*config.source_file : nullptr;
  if (auto ok = internal::apply_pipelines(pipelines, source, options.check_cron, config); !ok) {
    return ok.error();
  }
  if (auto ok = finish(dir, config); !ok) {
    return ok.error();
  }
  if (auto ok = check_default_cron(options, config); !ok) {
    return ok.error();
  }
  return config;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
  }
  return env;
}

}  // namespace orch::config
