// The notify.* configuration keys: channels, SMTP, recipients, Slack, event routing, alerting,
// retries and the delivery queue.

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "config/config_internal.h"

namespace orch::config {

namespace {
constexpr std::array<std::string_view, 12> kEventNames = {
    "run_started",         "run_completed", "run_failed",   "run_timed_out",
    "run_abandoned",       "run_missed",    "run_skipped",  "run_missed_inputs",
    "run_upstream_failed", "run_cancelled", "team_failing", "team_recovered"};
}  // namespace

std::span<const std::string_view> event_names() {
  return kEventNames;
}

std::map<Channel, std::vector<std::string>> NotifyConfig::default_events() {
  std::vector<std::string> all(kEventNames.begin(), kEventNames.end());
  std::vector<std::string> no_starts(kEventNames.begin() + 1, kEventNames.end());
  return {{Channel::kLog, all}, {Channel::kEmail, no_starts}, {Channel::kSlack, no_starts}};
}

namespace internal {
namespace {

constexpr std::string_view kWebhookAllowed = "use an http:// or https:// URL";
constexpr std::string_view kTlsAllowed = "use plain, starttls or tls";

// Deliberately loose: one '@' with text on both sides and no blanks. The mail server is the
// judge of the rest.
bool is_email_address(std::string_view address) {
  auto at = address.find('@');
  auto blank = [](unsigned char c) { return std::isspace(c) != 0 || std::iscntrl(c) != 0; };
  return at != std::string_view::npos && at > 0 && at + 1 < address.size() &&
         address.find('@', at + 1) == std::string_view::npos &&
         std::none_of(address.begin(), address.end(), blank);
}

Status apply_channels(const Value& v, Config& c) {
  // "log" is always on: it is the record of last resort when mail or Slack fail.
  std::vector<Channel> channels{Channel::kLog};
  for (const auto& name : items(v)) {
    std::optional<Channel> found;
    for (Channel ch : {Channel::kLog, Channel::kEmail, Channel::kSlack}) {
      if (to_lower(name) == channel_name(ch)) {
        found = ch;
      }
    }
    if (!found) {
      return refuse(quote(name) + " is not a channel: use log, email or slack");
    }
    if (std::find(channels.begin(), channels.end(), *found) == channels.end()) {
      channels.push_back(*found);
    }
  }
  c.notify.channels = std::move(channels);
  return {};
}

Status apply_email_to(const Value& v, Config& c) {
  for (const auto& address : items(v)) {
    if (!is_email_address(address)) {
      return refuse(quote(address) + " is not an email address: use name@domain");
    }
  }
  c.notify.email_to = items(v);
  return {};
}

// A CA file must be readable now: a typo would otherwise show up only as failed deliveries.
Status check_ca_file(const std::string& path) {
  if (path.empty()) {
    return {};
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || !std::ifstream(path)) {
    return refuse("no readable file there; use the path of a PEM certificate file");
  }
  return {};
}

Status apply_events(Channel channel, const Value& v, Config& c) {
  std::vector<std::string> chosen;
  for (const auto& raw : items(v)) {
    std::string name = to_lower(raw);
    if (std::find(kEventNames.begin(), kEventNames.end(), name) == kEventNames.end()) {
      std::string allowed;
      for (auto known : kEventNames) {
        allowed += (allowed.empty() ? "" : ", ") + std::string(known);
      }
      return refuse(quote(raw) + " is not an event: use " + allowed);
    }
    if (std::find(chosen.begin(), chosen.end(), name) == chosen.end()) {
      chosen.push_back(name);
    }
  }
  c.notify.events[channel] = std::move(chosen);
  return {};
}

Setting text_setting(std::string_view key, std::string_view env,
                     Status (*apply)(const Value&, Config&), Secrecy secrecy = Secrecy::kPublic) {
  return Setting{.key = key, .env = env, .secrecy = secrecy, .apply = apply};
}

Setting integer_setting(std::string_view key, std::string_view env, std::int64_t min,
                        std::int64_t max, Status (*apply)(const Value&, Config&)) {
  return Setting{
      .key = key, .env = env, .kind = Kind::kInteger, .min = min, .max = max, .apply = apply};
}

Setting list_setting(std::string_view key, std::string_view env,
                     Status (*apply)(const Value&, Config&)) {
  return Setting{.key = key,
                 .env = env,
                 .kind = Kind::kStringList,
                 .env_syntax = EnvSyntax::kCommaList,
                 .apply = apply};
}

// NOLINTNEXTLINE(readability-function-size): a table of data, one entry per notify.* key.
const std::vector<Setting>& all_notify_settings() {
  static const std::vector<Setting> all = {
      list_setting("notify.channels", "NOTIFY_CHANNELS", apply_channels),
      text_setting("notify.smtp.host", "SMTP_HOST",
                   [](const Value& v, Config& c) -> Status {
                     c.notify.smtp.host = text(v);
                     return {};
                   }),
      integer_setting("notify.smtp.port", "SMTP_PORT", 1, 65535,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.smtp.port = static_cast<int>(number(v));
                        return {};
                      }),
      text_setting("notify.smtp.user", "SMTP_USER",
                   [](const Value& v, Config& c) -> Status {
                     c.notify.smtp.user = text(v);
                     return {};
                   }),
      text_setting(
          "notify.smtp.password", "SMTP_PASSWORD",
          [](const Value& v, Config& c) -> Status {
            c.notify.smtp.password = text(v);
            return {};
          },
          Secrecy::kSecret),
      text_setting("notify.smtp.from", "SMTP_FROM",
                   [](const Value& v, Config& c) -> Status {
                     c.notify.smtp.from = text(v);
                     return {};
                   }),
      Setting{.key = "notify.smtp.starttls",
              .env = "SMTP_STARTTLS",
              .kind = Kind::kBool,
              .apply = [](const Value& v, Config& c) -> Status {
                c.notify.smtp.starttls = flag(v);
                return {};
              }},
      text_setting("notify.smtp.tls", "SMTP_TLS",
                   [](const Value& v, Config& c) -> Status {
                     auto name = to_lower(text(v));
                     for (SmtpTls mode : {SmtpTls::kPlain, SmtpTls::kStartTls, SmtpTls::kTls}) {
                       if (name == smtp_tls_name(mode)) {
                         c.notify.smtp.tls = mode;
                         c.notify.smtp.tls_given = true;
                         return {};
                       }
                     }
                     return refuse(std::string(kTlsAllowed));
                   }),
      text_setting("notify.smtp.ca_file", "SMTP_CA_FILE",
                   [](const Value& v, Config& c) -> Status {
                     if (auto ok = check_ca_file(text(v)); !ok) {
                       return ok;
                     }
                     c.notify.smtp.ca_file = text(v);
                     return {};
                   }),
      integer_setting("notify.smtp.timeout_seconds", "SMTP_TIMEOUT_SECONDS", 1, 600,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.smtp.timeout = std::chrono::seconds(number(v));
                        return {};
                      }),
      list_setting("notify.email.to", "NOTIFY_EMAIL_TO", apply_email_to),
      text_setting(
          "notify.slack.webhook_url", "SLACK_WEBHOOK_URL",
          [](const Value& v, Config& c) -> Status {
            // An empty string is "not set", so that describe()'s output loads back.
            const auto& url = text(v);
            if (!url.empty() && !(url.starts_with("http://") && url.size() > 7) &&
                !(url.starts_with("https://") && url.size() > 8)) {
              return refuse(std::string(kWebhookAllowed));
            }
            c.notify.slack_webhook_url = url;
            return {};
          },
          Secrecy::kSecret),
      text_setting("notify.slack.ca_file", "SLACK_CA_FILE",
                   [](const Value& v, Config& c) -> Status {
                     if (auto ok = check_ca_file(text(v)); !ok) {
                       return ok;
                     }
                     c.notify.slack_ca_file = text(v);
                     return {};
                   }),
      integer_setting("notify.slack.timeout_seconds", "SLACK_TIMEOUT_SECONDS", 1, 600,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.slack_timeout = std::chrono::seconds(number(v));
                        return {};
                      }),
      list_setting("notify.events.log", "NOTIFY_EVENTS_LOG",
                   [](const Value& v, Config& c) { return apply_events(Channel::kLog, v, c); }),
      list_setting("notify.events.email", "NOTIFY_EVENTS_EMAIL",
                   [](const Value& v, Config& c) { return apply_events(Channel::kEmail, v, c); }),
      list_setting("notify.events.slack", "NOTIFY_EVENTS_SLACK",
                   [](const Value& v, Config& c) { return apply_events(Channel::kSlack, v, c); }),
      integer_setting("notify.alert_after_failures", "NOTIFY_ALERT_AFTER_FAILURES", 0, 1000,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.alert_after_failures = static_cast<int>(number(v));
                        return {};
                      }),
      integer_setting("notify.retry.max_attempts", "NOTIFY_RETRY_MAX_ATTEMPTS", 1, 100,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.retry.max_attempts = static_cast<int>(number(v));
                        return {};
                      }),
      integer_setting("notify.retry.initial_delay_ms", "NOTIFY_RETRY_INITIAL_DELAY_MS", 1, 3600000,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.retry.initial_delay = std::chrono::milliseconds(number(v));
                        return {};
                      }),
      integer_setting("notify.retry.max_delay_ms", "NOTIFY_RETRY_MAX_DELAY_MS", 1, 86400000,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.retry.max_delay = std::chrono::milliseconds(number(v));
                        return {};
                      }),
      integer_setting("notify.queue_size", "NOTIFY_QUEUE_SIZE", 1, 1000000,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.queue_size = static_cast<int>(number(v));
                        return {};
                      }),
      integer_setting("notify.stop_grace_seconds", "NOTIFY_STOP_GRACE_SECONDS", 0, 3600,
                      [](const Value& v, Config& c) -> Status {
                        c.notify.stop_grace = std::chrono::seconds(number(v));
                        return {};
                      }),
  };
  return all;
}

}  // namespace

std::span<const Setting> notify_settings() {
  return all_notify_settings();
}

std::string_view smtp_tls_name(SmtpTls tls) {
  switch (tls) {
    case SmtpTls::kPlain:
      return "plain";
    case SmtpTls::kStartTls:
      return "starttls";
    case SmtpTls::kTls:
      return "tls";
  }
  return "plain";
}

}  // namespace internal
}  // namespace orch::config
