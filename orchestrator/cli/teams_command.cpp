#include <iostream>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "notify/webhook_client.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/schedule/cron_expression.h"

namespace orch::cli {
namespace {

// Checks the settings a person typed; returns them as the store's changes.
Result<TeamChanges> validate(const TeamOptions& o) {
  TeamChanges c;
  if (o.name) {
    if (o.name->empty() || o.name->size() > 200) {
      return invalid_argument("--name: a team name is 1 to 200 characters");
    }
    // A name is printed in tables, logs, mails and Slack: bytes that are not text, or escape
    // sequences that would drive a reader's terminal, have no place in it.
    if (!is_printable_utf8(*o.name)) {
      return invalid_argument("--name: '" + escape_controls(*o.name) +
                              "' is not allowed: a team name is UTF-8 text without control "
                              "characters");
    }
    c.name = o.name;
  }
  if (o.run_time) {
    if (!o.run_time->empty()) {
      auto t = parse_time_of_day(*o.run_time);
      if (!t) {
        return invalid_argument("--run-time: " + t.error().message + " (\"\" for the default)");
      }
      c.run_time = format_time_of_day(*t);
    } else {
      c.run_time = "";
    }
  }
  if (o.timezone) {
    if (!o.timezone->empty()) {
      auto zone = find_zone(*o.timezone);
      if (!zone) {
        return invalid_argument("--timezone: " + zone.error().message + " (\"\" for the default)");
      }
    }
    c.timezone = o.timezone;
  }
  if (o.cron) {
    if (!o.cron->empty()) {
      auto cron = parse_cron(*o.cron);
      if (!cron) {
        return invalid_argument("--cron: " + cron.error().message + " (\"\" for none)");
      }
      if (o.run_time && !o.run_time->empty()) {
        return invalid_argument(
            "--run-time and --cron: a team's schedule is one or the other, not both");
      }
      // A cron schedule replaces the team's own run time.
      c.run_time = "";
    }
    c.cron = o.cron;
  } else if (o.run_time && !o.run_time->empty()) {
    // A run time replaces the team's own cron expression.
    c.cron = "";
  }
  struct NumberOption {
    const char* flag;
    const std::optional<std::string>& value;
    std::optional<std::string>& change;
    std::int64_t max;
  };
  for (const NumberOption& n :
       {NumberOption{"--retry-max-attempts", o.retry_max_attempts, c.retry_max_attempts, 100},
        NumberOption{"--retry-initial-delay", o.retry_initial_delay,
                     c.retry_initial_delay_seconds, 86400},
        NumberOption{"--retry-max-delay", o.retry_max_delay, c.retry_max_delay_seconds,
                     86400}}) {
    if (!n.value) {
      continue;
    }
    const std::string& text = *n.value;
    bool digits = !text.empty() && text.size() <= 6 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (!text.empty() && (!digits || std::stoll(text) < 1 || std::stoll(text) > n.max)) {
      return invalid_argument(std::string(n.flag) + ": '" + text +
                              "' is not allowed: use a whole number from 1 to " +
                              std::to_string(n.max) + " (\"\" for the default)");
    }
    n.change = text.empty() ? text : std::to_string(std::stoll(text));
  }
  if (o.retry_initial_delay && o.retry_max_delay && !o.retry_initial_delay->empty() &&
      !o.retry_max_delay->empty() &&
      std::stoll(*o.retry_max_delay) < std::stoll(*o.retry_initial_delay)) {
    return invalid_argument("--retry-max-delay: use at least --retry-initial-delay");
  }
  if (o.email) {
    std::string list = *o.email;
    std::size_t start = 0;
    while (!list.empty() && start <= list.size()) {
      auto comma = list.find(',', start);
      std::string address = list.substr(start, comma == std::string::npos ? std::string::npos
                                                                           : comma - start);
      auto at = address.find('@');
      if (at == std::string::npos || at == 0 || at + 1 == address.size() ||
          address.find_first_of(" \t") != std::string::npos) {
        return invalid_argument("--email: '" + address +
                                "' is not an email address: use name@example.com, several "
                                "separated by commas");
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
    c.notify_email = o.email;
  }
  if (o.slack_webhook) {
    const std::string& url = *o.slack_webhook;
    if (!url.empty() && url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
      return invalid_argument("--slack-webhook: use an http:// or https:// URL");
    }
    c.notify_slack_webhook = o.slack_webhook;
  }
  return c;
}

Table team_table(const std::vector<Team>& teams) {
  Table t;
  t.columns = {{"id", true},
               {"name"},
               {"active", true},
               {"paused", true},
               {"run_time"},
               {"cron"},
               {"timezone"},
               {"retry_max_attempts", true},
               {"retry_initial_delay_seconds", true},
               {"retry_max_delay_seconds", true},
               {"notify_email"},
               {"slack_webhook"},
               {"active_since"},
               {"updated_at"}};
  auto number = [](const std::optional<int>& v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
  };
  for (const Team& team : teams) {
    t.rows.push_back({std::to_string(team.id.value), team.name,
                      team.active ? "true" : "false", team.paused ? "true" : "false",
                      team.run_time, team.cron, team.timezone, number(team.retry_max_attempts),
                      number(team.retry_initial_delay_seconds),
                      number(team.retry_max_delay_seconds), team.notify_email,
                      // A webhook URL is a secret (its path is the token).
                      team.notify_slack_webhook
                          ? std::optional<std::string>(
                                notify::redact_webhook(*team.notify_slack_webhook))
                          : std::nullopt,
                      format_utc(team.active_since), format_utc(team.updated_at)});
  }
  return t;
}

Result<TeamId> required_id(const TeamOptions& o) {
  if (!o.id) {
    return invalid_argument("a team id is required");
  }
  return parse_team_id(*o.id);
}

int show(const Result<Team>& team, const TeamOptions& o, const char* what) {
  if (!team) {
    return fail(team.error());
  }
  if (o.format == Format::kTable) {
    std::cout << what << " team " << team->id.value << " (" << escape_controls(team->name) << ")"
              << "; run `orchestrator reschedule` to apply it to a running service\n";
  } else {
    print(team_table({*team}), o.format, std::cout);
  }
  return kExitOk;
}

}  // namespace

int teams_list(const config::Config& config, const TeamOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto teams = (*db)->teams().list(TeamStore::Which::kAll);
  if (!teams) {
    return fail(teams.error());
  }
  print(team_table(*teams), options.format, std::cout);
  return kExitOk;
}

int teams_add(const config::Config& config, const TeamOptions& options) {
  if (!options.name) {
    return fail(invalid_argument("teams add: --name is required"));
  }
  std::optional<TeamId> id;
  if (options.id) {
    auto parsed = parse_team_id(*options.id);
    if (!parsed) {
      return fail(invalid_argument("--id: " + parsed.error().message));
    }
    id = *parsed;
  }
  auto changes = validate(options);
  if (!changes) {
    return fail(changes.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kCreateIfMissing);
  if (!db) {
    return fail(db.error());
  }
  return show((*db)->teams().add(id, *options.name, *changes, SystemClock().now()), options,
              "added");
}

int teams_update(const config::Config& config, const TeamOptions& options) {
  auto id = required_id(options);
  if (!id) {
    return fail(id.error());
  }
  auto changes = validate(options);
  if (!changes) {
    return fail(changes.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  return show((*db)->teams().update(*id, *changes, SystemClock().now()), options, "updated");
}

int teams_set_active(const config::Config& config, const TeamOptions& options, bool active) {
  auto id = required_id(options);
  if (!id) {
    return fail(id.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  return show((*db)->teams().set_active(*id, active, SystemClock().now()), options,
              active ? "activated" : "deactivated");
}

int teams_set_paused(const config::Config& config, const TeamOptions& options, Pause pause) {
  auto id = required_id(options);
  if (!id) {
    return fail(id.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  return show((*db)->teams().set_paused(*id, pause == Pause::kPause, SystemClock().now()),
              options, pause == Pause::kPause ? "paused" : "resumed");
}

}  // namespace orch::cli
