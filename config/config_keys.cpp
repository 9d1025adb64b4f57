// The table of configuration keys: each key's type, environment variable and validation.

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "config/base/input_pattern.h"
#include "config/base/time.h"
#include "config/config_internal.h"

namespace orch::config::internal {
namespace {

constexpr std::string_view kTimeOfDayAllowed = "use HH:MM or HH:MM:SS, 00:00 to 23:59:59";
constexpr std::string_view kZoneAllowed = "use an IANA time zone name such as UTC or Europe/Berlin";
constexpr std::string_view kFolderAllowed = "use a folder path";
constexpr std::string_view kDatabaseUrlAllowed =
    "use sqlite:PATH, sqlite://PATH or postgresql://user:password@host:port/database "
    "(or postgres://...)";
constexpr std::string_view kListenAllowed =
    "use HOST:PORT with a port from 0 (any free port) to 65535, or \"\" for no HTTP server";
constexpr std::string_view kLevelAllowed = "use trace, debug, info, warn, error or off";
constexpr std::string_view kFormatAllowed = "use text, json or journal";

bool is_port(std::string_view text) {
  auto port = parse_integer(text);
  return port && *port >= 1 && *port <= 65535;
}

Status check_database_url(std::string_view url) {
  if (auto path = sqlite_path(url)) {
    return path->empty() ? refuse(kDatabaseUrlAllowed) : Status{};
  }
  std::string_view rest;
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (url.starts_with(scheme)) {
      rest = url.substr(scheme.size());
    }
  }
  if (rest.empty()) {
    return refuse(kDatabaseUrlAllowed);
  }
  // user:password@host:port/db; the password may hold anything, so the host starts after the
  // last '@'. Only a port that is present is checked: libpq accepts several hosts and options.
  auto at = rest.rfind('@');
  std::string_view host_port = at == std::string_view::npos ? rest : rest.substr(at + 1);
  host_port = host_port.substr(0, host_port.find_first_of("/?"));
  auto colon = host_port.rfind(':');
  if (colon != std::string_view::npos && host_port.find(']', colon) == std::string_view::npos &&
      !is_port(host_port.substr(colon + 1))) {
    return refuse("the port must be a number from 1 to 65535; " + std::string(kDatabaseUrlAllowed));
  }
  return {};
}

Status apply_listen(const Value& v, Config& c) {
  auto colon = text(v).rfind(':');
  bool any_port = colon != std::string::npos && text(v).substr(colon + 1) == "0";
  if (text(v).empty()) {
    c.api.listen.clear();
    return {};
  }
  if (colon == std::string::npos || colon == 0 ||
      (!any_port && !is_port(text(v).substr(colon + 1)))) {
    return refuse(kListenAllowed);
  }
  c.api.listen = text(v);
  return {};
}

constexpr std::int64_t kDaySeconds = std::int64_t{24} * 3600;
// A year: no sensible grace is longer, and it keeps every later time computation from overflow.
constexpr std::int64_t kMaxMisfireGraceSeconds = 366 * kDaySeconds;
// Ten years: longer is forever, and it keeps `now - forget_silent_after` far from overflow.
constexpr std::int64_t kMaxForgetSilentHours = std::int64_t{10} * 366 * 24;

constexpr std::array kSettings = {
    Setting{.key = "scheduler.enabled",
            .env = "ENABLE_SCHEDULER",
            .kind = Kind::kBool,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.enabled = flag(v);
              return {};
            }},
    Setting{.key = "scheduler.daily_run_time",
            .env = "DAILY_RUN_TIME",
            .apply = [](const Value& v, Config& c) -> Status {
              auto t = parse_time_of_day(text(v));
              if (!t) {
                return refuse(kTimeOfDayAllowed);
              }
              c.scheduler.daily_run_time = *t;
              return {};
            }},
    Setting{.key = "scheduler.timezone",
            .env = "SCHEDULER_TIMEZONE",
            .apply = [](const Value& v, Config& c) -> Status {
              auto zone = find_zone(text(v));
              if (!zone) {
                return refuse(kZoneAllowed);
              }
              c.scheduler.timezone = text(v);
              c.scheduler.zone = *zone;
              return {};
            }},
    Setting{.key = "scheduler.default_cron",
            .env = "DEFAULT_CRON",
            .apply = [](const Value& v, Config& c) -> Status {
              // The expression itself is checked by load() through LoadOptions::check_cron.
              c.scheduler.default_cron =
                  text(v).empty() ? std::nullopt : std::optional<std::string>(text(v));
              return {};
            }},
    Setting{.key = "scheduler.misfire_grace_seconds",
            .env = "MISFIRE_GRACE_SECONDS",
            .kind = Kind::kInteger,
            .min = 0,
            .max = kMaxMisfireGraceSeconds,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.misfire_grace = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "scheduler.general_run",
            .env = "GENERAL_RUN_ENABLED",
            .kind = Kind::kBool,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.general_run = flag(v);
              return {};
            }},
    Setting{.key = "scheduler.max_parallel_runs",
            .env = "MAX_PARALLEL_RUNS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 1024,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.max_parallel_runs = static_cast<int>(number(v));
              return {};
            }},
    Setting{.key = "scheduler.shutdown_grace_seconds",
            .env = "SHUTDOWN_GRACE_SECONDS",
            .kind = Kind::kInteger,
            .min = 0,
            .max = 86400,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.shutdown_grace = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "scheduler.heartbeat_timeout_seconds",
            .env = "HEARTBEAT_TIMEOUT_SECONDS",
            .kind = Kind::kInteger,
            .min = 2,
            .max = 3600,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.heartbeat_timeout = std::chrono::seconds(number(v));
              return {};
            }},
    Setting{.key = "scheduler.input_poll_seconds",
            .env = "SCHEDULER_INPUT_POLL_SECONDS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 3600,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.input_poll = std::chrono::seconds(number(v));
              return {};
            }},
    // At least an hour, the longest heartbeat timeout: a live service is never forgotten.
    Setting{.key = "scheduler.forget_silent_after_hours",
            .env = "FORGET_SILENT_AFTER_HOURS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = kMaxForgetSilentHours,
            .apply = [](const Value& v, Config& c) -> Status {
              c.scheduler.forget_silent_after = std::chrono::hours(number(v));
              return {};
            }},
    Setting{.key = "scheduler.dst_skipped",
            .env = "SCHEDULER_DST_SKIPPED",
            .apply = [](const Value& v, Config& c) -> Status {
              auto lower = to_lower(text(v));
              if (lower != "shift" && lower != "skip") {
                return refuse("use shift (run at the end of the jump) or skip (no run that day)");
              }
              c.scheduler.dst_skipped = lower;
              return {};
            }},
    Setting{.key = "scheduler.dst_repeated",
            .env = "SCHEDULER_DST_REPEATED",
            .apply = [](const Value& v, Config& c) -> Status {
              auto lower = to_lower(text(v));
              if (lower != "first" && lower != "last") {
                return refuse("use first or last (the occurrence of a repeated time that runs)");
              }
              c.scheduler.dst_repeated = lower;
              return {};
            }},
    Setting{.key = "paths.input_dir",
            .env = "INPUT_DIR",
            .apply = [](const Value& v, Config& c) -> Status {
              if (text(v).empty()) {
                return refuse(kFolderAllowed);
              }
              c.paths.input_dir = text(v);
              return {};
            }},
    Setting{.key = "paths.output_dir",
            .env = "OUTPUT_DIR",
            .apply = [](const Value& v, Config& c) -> Status {
              if (text(v).empty()) {
                return refuse(kFolderAllowed);
              }
              c.paths.output_dir = text(v);
              return {};
            }},
    Setting{.key = "paths.keep_runs",
            .env = "KEEP_RUNS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 10000,
            .apply = [](const Value& v, Config& c) -> Status {
              c.paths.keep_runs = static_cast<int>(number(v));
              return {};
            }},
    Setting{.key = "database.url",
            .env = "DATABASE_URL",
            .secrecy = Secrecy::kUrl,
            .apply = [](const Value& v, Config& c) -> Status {
              if (auto ok = check_database_url(text(v)); !ok) {
                return ok;
              }
              c.database.url = text(v);
              return {};
            }},
    Setting{.key = "api.listen", .env = "API_LISTEN", .apply = apply_listen},
    Setting{.key = "api.token",
            .env = "API_TOKEN",
            .secrecy = Secrecy::kSecret,
            .apply = [](const Value& v, Config& c) -> Status {
              if (auto ok = check_api_token(text(v)); !ok) {
                return ok;
              }
              c.api.token = text(v);
              return {};
            }},
    Setting{.key = "history.keep_days",
            .env = "HISTORY_KEEP_DAYS",
            .kind = Kind::kInteger,
            .min = 1,
            .max = 36500,
            .apply = [](const Value& v, Config& c) -> Status {
              c.history.keep_days = static_cast<int>(number(v));
              return {};
            }},
    Setting{.key = "api.tokens",
            .kind = Kind::kTableList,
            .secrecy = Secrecy::kSecret,
            .apply = apply_api_tokens},
    Setting{.key = "log.level",
            .env = "LOG_LEVEL",
            .apply = [](const Value& v, Config& c) -> Status {
              auto level = log::parse_level(to_lower(text(v)));
              if (!level) {
                return refuse(kLevelAllowed);
              }
              c.log.level = *level;
              return {};
            }},
    Setting{.key = "log.format",
            .env = "LOG_FORMAT",
            .apply = [](const Value& v, Config& c) -> Status {
              auto lower = to_lower(text(v));
              if (lower != "text" && lower != "json" && lower != "journal") {
                return refuse(kFormatAllowed);
              }
              c.log.format = lower == "json"      ? log::Format::kJson
                             : lower == "journal" ? log::Format::kJournal
                                                  : log::Format::kText;
              return {};
            }},
};

}  // namespace

std::span<const Setting> settings() {
  // The pipeline.* keys (config_pipeline_keys.cpp) and the notify.* keys
  // (config_notify_keys.cpp) sit where the file's sections put them: after [database], before
  // [api].
  static const std::vector<Setting> all = [] {
    std::vector<Setting> out;
    for (const Setting& s : kSettings) {
      if (s.key == "api.listen") {
        auto pipeline = pipeline_settings();
        out.insert(out.end(), pipeline.begin(), pipeline.end());
        auto notify = notify_settings();
        out.insert(out.end(), notify.begin(), notify.end());
      }
      out.push_back(s);
    }
    return out;
  }();
  return all;
}

}  // namespace orch::config::internal
