#pragma once

// Private to orch_config, not a contract: the table of keys (config_keys.cpp), the TOML reader
// (config_file.cpp) and the text parsers and message helpers they share (config_parsing.cpp).

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <date/date.h>

#include "config/base/result.h"
#include "config/config.h"

namespace orch::config::internal {

// What messages and describe() print instead of a secret.
inline constexpr std::string_view kSecretShown = "***";

// One configuration value, already checked for its type, before its content is validated.
using Value = std::variant<bool, std::int64_t, std::string, std::vector<std::string>,
                           std::map<std::string, std::string>,
                           std::vector<std::map<std::string, std::string>>>;

// kTableList: an array of tables of strings (api.tokens); it can be set only in the file.
enum class Kind { kBool, kInteger, kString, kStringList, kStringTable, kTableList };
// How a value is printed in messages: as is, as "***", or through redact_url.
enum class Secrecy { kPublic, kSecret, kUrl };
// How a list is written in an environment variable.
enum class EnvSyntax { kNone, kCommaList, kCommandLine };

// One key of the configuration table. `apply` validates a value of `kind` and stores it; its
// error message says what is allowed (the caller adds the key, where it came from and the value).
struct Setting {
  std::string_view key = {};  // "scheduler.daily_run_time"
  std::string_view env = {};  // "DAILY_RUN_TIME"; empty when the key can be set only in the file
  Kind kind = Kind::kString;
  Secrecy secrecy = Secrecy::kPublic;
  std::int64_t min = 0;  // kInteger only: the allowed range, checked before `apply`
  std::int64_t max = 0;
  EnvSyntax env_syntax = EnvSyntax::kNone;  // kStringList only
  Status (*apply)(const Value& value, Config& config) = nullptr;
};

// A setting's value, of the type its Kind says (Value holds it; a wrong type is a bug).
inline bool flag(const Value& v) {
  return std::get<bool>(v);
}
inline std::int64_t number(const Value& v) {
  return std::get<std::int64_t>(v);
}
inline const std::string& text(const Value& v) {
  return std::get<std::string>(v);
}
inline const std::vector<std::string>& items(const Value& v) {
  return std::get<std::vector<std::string>>(v);
}
// A setting's apply refuses a value with what is allowed; the caller adds the key and value.
inline Status refuse(std::string_view reason) {
  return invalid_argument(std::string(reason));
}

// Every key, in the order describe() prints them.
std::span<const Setting> settings();
// The pipeline.* keys (config_pipeline_keys.cpp), which settings() includes.
std::span<const Setting> pipeline_settings();
// The notify.* keys (config_notify_keys.cpp), which settings() includes.
std::span<const Setting> notify_settings();
// Validates and stores api.tokens; checks a bearer token's text (config_api_keys.cpp).
Status apply_api_tokens(const Value& value, Config& config);
Status check_api_token(std::string_view token);

// Where a value came from: an environment variable, or else the file.
struct Origin {
  std::string_view env = {};
  const std::filesystem::path* file = nullptr;
};

// Checks an integer's range, then runs the setting's apply. The error says what is allowed.
Status apply_setting(const Setting& s, const Result<Value>& value, Config& config);

// kInvalidArgument with `message` on one line: main prints it as the whole reason for exit 2.
Error refusal(std::string message);
// "configuration: KEY (ENV) = VALUE is not allowed: REASON", or "KEY = VALUE in FILE ...".
// `shown_value` is already redacted.
Error not_allowed(const Setting& s, const Origin& origin, const std::string& shown_value,
                  const std::string& reason);
// "an integer from 1 to 1024".
std::string range_text(const Setting& s);

// A [pipelines.<name>] table as read from the file. It is applied by apply_pipelines() once the
// [pipeline] table it inherits from is complete, the environment included.
struct PipelineSection {
  struct Entry {
    const Setting* setting;  // a pipeline.* key
    Result<Value> value;
    std::string shown;  // the value as messages print it
  };
  std::string name;
  std::vector<Entry> entries;
  std::optional<std::string> run_time;
  std::optional<std::string> cron;
  std::optional<std::vector<std::int64_t>> teams;
  std::optional<bool> general_only;
};

// Reads `file` into `config`, refusing unknown keys and wrong TOML types. The [pipelines.<name>]
// tables go to `pipelines`, checked for their keys and types only.
Status apply_file(const std::filesystem::path& file, Config& config,
                  std::vector<PipelineSection>& pipelines);

// Builds config.pipelines: `daily` from config.pipeline, then each section on top of a copy of
// it. Refuses a bad value naming pipelines.<name>.<key> and `file`; `check_cron` as in
// LoadOptions (null: not checked).
Status apply_pipelines(const std::vector<PipelineSection>& sections,
                       const std::filesystem::path* file,
                       Result<void> (*check_cron)(std::string_view expression), Config& config);

// describe()'s TOML writers (config_describe_pipelines.cpp): true/false, ["a", "b"], "02:30".
std::string toml_bool(bool value);
std::string toml_list(const std::vector<std::string>& items);
std::string toml_time(TimeOfDay t);

// A PipelineConfig as describe() prints it: (key, TOML value) pairs of [pipeline], of its retry
// table and of its env table, in that order; env values named like credentials show "***".
struct PipelineEntries {
  std::vector<std::pair<std::string, std::string>> keys;
  std::vector<std::pair<std::string, std::string>> retry;
  std::vector<std::pair<std::string, std::string>> env;
};
PipelineEntries pipeline_entries(const PipelineConfig& pipeline);

// The [pipelines.<name>] tables as they load back: each pipeline's schedule keys (run_time,
// cron, teams, general_only) and the entries that differ from [pipeline]'s; nothing for a
// `daily` that is [pipeline] as written. Empty when there is nothing to show.
std::string describe_pipelines(const Config& config);

// true/false/1/0/yes/no/on/off, case-insensitive.
Result<bool> parse_bool(std::string_view text);
// A decimal integer with an optional '-', nothing else.
Result<std::int64_t> parse_integer(std::string_view text);
// A JSON array of strings when `text` starts with '[', else words split on whitespace, where
// single quotes keep everything and double quotes keep everything but \" and \\.
Result<std::vector<std::string>> parse_command_line(std::string_view text);
// "a, b,,c" -> {"a", "b", "c"}: items are trimmed and empty ones dropped.
std::vector<std::string> split_comma_list(std::string_view text);
// "tuesday" or "tue", case-insensitive.
std::optional<date::weekday> parse_weekday(std::string_view name);

// The PATH of "sqlite:PATH" or "sqlite://PATH"; nullopt for any other URL.
std::optional<std::string> sqlite_path(std::string_view url);

// A TOML basic string (also valid JSON) on one line: a"b<newline> -> "a\"b\n".
std::string quote(std::string_view text);
// Whether `key` may stand unquoted as a TOML key.
bool is_bare_key(std::string_view key);
std::string to_lower(std::string_view text);

std::string_view weekday_name(date::weekday day);  // "tuesday"
std::string_view level_name(log::Level level);     // "info"
std::string_view format_name(log::Format format);  // "text"
std::string_view channel_name(Channel channel);    // "email"
std::string_view smtp_tls_name(SmtpTls tls);       // "starttls"

}  // namespace orch::config::internal
