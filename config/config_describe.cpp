// describe(): the effective configuration as a TOML file that loads back to it.

#include <algorithm>

#include "config/config.h"
#include "config/config_internal.h"

namespace orch::config {
namespace {

using internal::quote;
using internal::toml_bool;
using internal::toml_list;
using internal::toml_time;

std::string toml_secret(const std::string& value) {
  return quote(value.empty() ? "" : internal::kSecretShown);
}

// Appends "[name]" sections and "key = value" lines to one text.
class TomlWriter {
 public:
  void section(std::string_view name) {
    out_ += "\n[";
    out_ += name;
    out_ += "]\n";
  }
  void entry(std::string_view key, const std::string& value) {
    out_ += key;
    out_ += " = ";
    out_ += value;
    out_ += "\n";
  }
  void text(const std::string& text) { out_ += text; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void write_scheduler(const SchedulerConfig& sched, TomlWriter& toml) {
  toml.section("scheduler");
  toml.entry("enabled", toml_bool(sched.enabled));
  toml.entry("daily_run_time", toml_time(sched.daily_run_time));
  toml.entry("timezone", quote(sched.timezone));
  if (sched.default_cron) {
    toml.entry("default_cron", quote(*sched.default_cron));
  }
  toml.entry("misfire_grace_seconds", std::to_string(sched.misfire_grace.count()));
  toml.entry("dst_skipped", quote(sched.dst_skipped));
  toml.entry("dst_repeated", quote(sched.dst_repeated));
  toml.entry("general_run", toml_bool(sched.general_run));
  toml.entry("max_parallel_runs", std::to_string(sched.max_parallel_runs));
  toml.entry("shutdown_grace_seconds", std::to_string(sched.shutdown_grace.count()));
  toml.entry("heartbeat_timeout_seconds", std::to_string(sched.heartbeat_timeout.count()));
  toml.entry("forget_silent_after_hours", std::to_string(sched.forget_silent_after.count()));
  toml.entry("input_poll_seconds", std::to_string(sched.input_poll.count()));
}

void write_paths_and_database(const Config& config, TomlWriter& toml) {
  toml.section("paths");
  toml.entry("input_dir", quote(config.paths.input_dir.string()));
  toml.entry("output_dir", quote(config.paths.output_dir.string()));
  toml.entry("keep_runs", std::to_string(config.paths.keep_runs));
  toml.section("database");
  toml.entry("url", quote(redact_url(config.database.url)));
}

void write_pipelines(const Config& config, TomlWriter& toml) {
  // [pipeline] and each [pipelines.<name>] come from one list of entries, so that a key added to
  // one shows in the other.
  const internal::PipelineEntries pipeline = internal::pipeline_entries(config.pipeline);
  for (const auto& [name, entries] :
       {std::pair{"pipeline", &pipeline.keys}, std::pair{"pipeline.retry", &pipeline.retry},
        std::pair{"pipeline.env", &pipeline.env}}) {
    toml.section(name);
    for (const auto& [key, value] : *entries) {
      toml.entry(key, value);
    }
  }
  toml.text(internal::describe_pipelines(config));
}

void write_notify_channels(const NotifyConfig& notify, TomlWriter& toml) {
  std::vector<std::string> channels;
  for (Channel channel : notify.channels) {
    channels.emplace_back(internal::channel_name(channel));
  }
  toml.section("notify");
  toml.entry("channels", toml_list(channels));
  toml.entry("alert_after_failures", std::to_string(notify.alert_after_failures));
  toml.entry("queue_size", std::to_string(notify.queue_size));
  toml.entry("stop_grace_seconds", std::to_string(notify.stop_grace.count()));
  toml.section("notify.smtp");
  toml.entry("host", quote(notify.smtp.host));
  toml.entry("port", std::to_string(notify.smtp.port));
  toml.entry("user", quote(notify.smtp.user));
  toml.entry("password", toml_secret(notify.smtp.password));
  toml.entry("from", quote(notify.smtp.from));
  toml.entry("starttls", toml_bool(notify.smtp.starttls));
  toml.entry("tls", quote(internal::smtp_tls_name(notify.smtp.tls)));
  toml.entry("ca_file", quote(notify.smtp.ca_file));
  toml.entry("timeout_seconds", std::to_string(notify.smtp.timeout.count()));
  toml.section("notify.email");
  toml.entry("to", toml_list(notify.email_to));
  toml.section("notify.slack");
  toml.entry("webhook_url", toml_secret(notify.slack_webhook_url));
  toml.entry("ca_file", quote(notify.slack_ca_file));
  toml.entry("timeout_seconds", std::to_string(notify.slack_timeout.count()));
}

void write_notify_routing(const NotifyConfig& notify, TomlWriter& toml) {
  toml.section("notify.events");
  for (Channel channel : {Channel::kLog, Channel::kEmail, Channel::kSlack}) {
    auto it = notify.events.find(channel);
    toml.entry(internal::channel_name(channel),
               toml_list(it == notify.events.end() ? std::vector<std::string>{} : it->second));
  }
  toml.section("notify.retry");
  toml.entry("max_attempts", std::to_string(notify.retry.max_attempts));
  toml.entry("initial_delay_ms", std::to_string(notify.retry.initial_delay.count()));
  toml.entry("max_delay_ms", std::to_string(notify.retry.max_delay.count()));
}

void write_api_history_log(const Config& config, TomlWriter& toml) {
  toml.section("api");
  toml.entry("listen", quote(config.api.listen));
  toml.entry("token", toml_secret(config.api.token));
  std::string tokens;
  for (const ApiToken& t : config.api.tokens) {
    tokens += tokens.empty() ? "" : ", ";
    tokens += "{ name = " + quote(t.name) + ", token = " + toml_secret(t.token) +
              ", role = " + quote(t.role == ApiRole::kAdmin ? "admin" : "read") + " }";
  }
  toml.entry("tokens", "[" + tokens + "]");
  toml.section("history");
  toml.entry("keep_days", std::to_string(config.history.keep_days));
  toml.section("log");
  toml.entry("level", quote(internal::level_name(config.log.level)));
  toml.entry("format", quote(internal::format_name(config.log.format)));
}

}  // namespace

std::string describe(const Config& config) {
  std::string source = config.source_file ? config.source_file->string() : "built-in defaults";
  std::replace_if(
      source.begin(), source.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  TomlWriter toml;
  toml.text("# source: " + source + "\n");
  toml.text("# Built-in defaults, then the file, then the environment; secrets show as \"***\".\n");
  write_scheduler(config.scheduler, toml);
  write_paths_and_database(config, toml);
  write_pipelines(config, toml);
  write_notify_channels(config.notify, toml);
  write_notify_routing(config.notify, toml);
  write_api_history_log(config, toml);
  return toml.take();
}

}  // namespace orch::config
