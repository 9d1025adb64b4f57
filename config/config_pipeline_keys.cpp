// The pipeline.* configuration keys: the command, its limits, its inputs, retries and isolation.

#include <algorithm>
#include <array>
#include <cctype>

#include "config/base/input_pattern.h"
#include "config/config_internal.h"

namespace orch::config::internal {
namespace {

constexpr std::string_view kCommandAllowed =
    "use a non-empty list whose first item is the program to run";
constexpr std::string_view kWeekdayAllowed = "use a weekday: monday to sunday, or mon to sun";
constexpr std::string_view kPatternsAllowed = "use a list of non-empty glob patterns";
constexpr std::string_view kMarkerAllowed =
    "use a file name in the input folder, such as _SUCCESS, without '/' (\"\": none)";
constexpr std::string_view kConditionAllowed =
    "use a list whose first item is the program to run ([] for none)";
constexpr std::string_view kIsolationAllowed = "use landlock or none";
constexpr std::string_view kReadPathsAllowed = "use a list of non-empty paths";

constexpr std::int64_t kGiB = std::int64_t{1} << 30;
constexpr std::int64_t kDaySeconds = std::int64_t{24} * 3600;

bool is_env_name(std::string_view name) {
  auto word = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; };
  return !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) == 0 &&
         std::all_of(name.begin(), name.end(), word);
}

Status apply_command(const Value& v, Config& c) {
  const auto& argv = items(v);
  if (argv.empty() || argv.front().empty()) {
    return refuse(kCommandAllowed);
  }
  c.pipeline.command = argv;
  return {};
}

Status apply_pipeline_env(const Value& v, Config& c) {
  const auto& env = std::get<std::map<std::string, std::string>>(v);
  for (const auto& [name, unused] : env) {
    if (!is_env_name(name)) {
      return refuse(quote(name) + " is not a variable name: use [A-Za-z_][A-Za-z0-9_]*");
    }
  }
  c.pipeline.env = env;
  return {};
}

constexpr std::array kPipelineSettings = {
    Setting{.key = "pipeline.command",
            .env = "PIPELINE_COMMAND",
            .kind = Kind::kStringList,
            .env_syntax = EnvSyntax::kCommandLine,
            .apply = apply_command},
    Setting{.key = "pipeline.timeout_seconds",
            .env = "PIPELINE_TIMEOUT_SECONDS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 7 * kDaySeconds,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.timeout = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "pipeline.purchase_weekday",
            .env = "PURCHASE_WEEKDAY",
            .apply = [](const Value& v, Config& c) -> Status {
              auto day = parse_weekday(text(v));
              if (!day) {
                return refuse(kWeekdayAllowed);
              }
              c.pipeline.purchase_weekday = *day;
              return {};
            }},
    Setting{.key = "pipeline.required_inputs",
            .kind = Kind::kStringList,
            .apply = [](const Value& v, Config& c) -> Status {
              if (std::any_of(items(v).begin(), items(v).end(),
                              [](auto& p) { return p.empty(); })) {
                return refuse(kPatternsAllowed);
              }
              for (const std::string& pattern : items(v)) {
                if (Status ok = check_input_pattern(pattern); !ok) {
                  return ok;
                }
              }
              c.pipeline.required_inputs = items(v);
              return {};
            }},
    Setting{.key = "pipeline.wait_for_inputs_seconds",
            .env = "PIPELINE_WAIT_FOR_INPUTS_SECONDS",
            .kind = Kind::kInteger,
            .min = 0,
            .max = 7 * kDaySeconds,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.wait_for_inputs = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "pipeline.input_settle_seconds",
            .env = "PIPELINE_INPUT_SETTLE_SECONDS",
            .kind = Kind::kInteger,
            .min = 0,
            .max = 3600,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.input_settle = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "pipeline.ready_marker",
            .env = "PIPELINE_READY_MARKER",
            .apply = [](const Value& v, Config& c) -> Status {
              const std::string& name = text(v);
              if (name == "." || name == ".." || name.find('/') != std::string::npos) {
                return refuse(kMarkerAllowed);
              }
              c.pipeline.ready_marker = name;
              return {};
            }},
    Setting{.key = "pipeline.log_max_bytes",
            .env = "PIPELINE_LOG_MAX_BYTES",
            .kind = Kind::kInteger,
            .min = 1024,
            .max = kGiB,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.log_max_bytes = static_cast<std::uint64_t>(number(v));
              return {};
            }},
    Setting{.key = "pipeline.max_inputs",
            .env = "PIPELINE_MAX_INPUTS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 1000000,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.max_inputs = static_cast<int>(number(v));
              return {};
            }},
    Setting{.key = "pipeline.skip_unchanged",
            .env = "PIPELINE_SKIP_UNCHANGED",
            .kind = Kind::kBool,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.skip_unchanged = flag(v);
              return {};
            }},
    Setting{.key = "pipeline.condition",
            .env = "PIPELINE_CONDITION",
            .kind = Kind::kStringList,
            .env_syntax = EnvSyntax::kCommandLine,
            .apply = [](const Value& v, Config& c) -> Status {
              const auto& argv = items(v);
              if (!argv.empty() && argv.front().empty()) {
                return refuse(kConditionAllowed);
              }
              c.pipeline.condition = argv;
              return {};
            }},
    Setting{.key = "pipeline.hash_inputs",
            .env = "PIPELINE_HASH_INPUTS",
            .kind = Kind::kBool,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.hash_inputs = flag(v);
              return {};
            }},
    Setting{.key = "pipeline.env", .kind = Kind::kStringTable, .apply = apply_pipeline_env},
    Setting{.key = "pipeline.retry.max_attempts",
            .env = "PIPELINE_RETRY_MAX_ATTEMPTS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 100,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.retry.max_attempts = static_cast<int>(number(v));
              return {};
            }},
    Setting{.key = "pipeline.retry.initial_delay_seconds",
            .env = "PIPELINE_RETRY_INITIAL_DELAY_SECONDS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = kDaySeconds,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.retry.initial_delay = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "pipeline.retry.max_delay_seconds",
            .env = "PIPELINE_RETRY_MAX_DELAY_SECONDS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = kDaySeconds,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.retry.max_delay = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "pipeline.isolation",
            .env = "PIPELINE_ISOLATION",
            .apply = [](const Value& v, Config& c) -> Status {
              auto lower = to_lower(text(v));
              if (lower != "landlock" && lower != "none") {
                return refuse(kIsolationAllowed);
              }
              c.pipeline.isolation = lower == "landlock" ? Isolation::kLandlock : Isolation::kNone;
              return {};
            }},
    Setting{.key = "pipeline.isolation_required",
            .env = "PIPELINE_ISOLATION_REQUIRED",
            .kind = Kind::kBool,
            .apply = [](const Value& v, Config& c) -> Status {
              c.pipeline.isolation_required = flag(v);
              return {};
            }},
    Setting{.key = "pipeline.read_paths",
            .kind = Kind::kStringList,
            .apply = [](const Value& v, Config& c) -> Status {
              if (std::any_of(items(v).begin(), items(v).end(),
                              [](auto& p) { return p.empty(); })) {
                return refuse(kReadPathsAllowed);
              }
              c.pipeline.read_paths.assign(items(v).begin(), items(v).end());
              return {};
            }},
};

}  // namespace

std::span<const Setting> pipeline_settings() {
  return kPipelineSettings;
}

}  // namespace orch::config::internal
