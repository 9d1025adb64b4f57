#include "orchestrator/cli/team_settings.h"

#include <map>
#include <set>

#include "config/base/terminal_text.h"
#include "orchestrator/core/team_schedules.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/dst_policy.h"

namespace orch::cli {
namespace {

// --pipelines: known pipeline names, comma-separated ("" clears the team's choice).
Result<std::string> validate_pipelines(const config::Config& config, const std::string& list) {
  std::string out;
  std::size_t start = 0;
  while (!list.empty() && start <= list.size()) {
    auto comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (config.find_pipeline(name) == nullptr) {
      return invalid_argument("--pipelines: '" + name + "' is not a configured pipeline (use " +
                              "names from: " + config.pipeline_names() +
                              ", separated by commas; \"\" for the configured choice)");
    }
    if (("," + out + ",").find("," + name + ",") == std::string::npos) {
      out += (out.empty() ? "" : ",") + name;
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// --dst-skipped, --overlap, --dst-repeated and --wait-for-inputs.
Status validate_policies(const TeamOptions& o, TeamChanges& c) {
  if (o.dst_skipped) {
    if (!o.dst_skipped->empty()) {
      if (auto ok = parse_dst_skipped(*o.dst_skipped); !ok) {
        return invalid_argument("--dst-skipped: " + ok.error().message + " (\"\" for the default)");
      }
    }
    c.dst_skipped = o.dst_skipped;
  }
  if (o.overlap) {
    if (!o.overlap->empty() && *o.overlap != "skip" && *o.overlap != "buffer-one") {
      return invalid_argument("--overlap: '" + *o.overlap +
                              "' is not allowed: use skip or buffer-one (\"\" for skip)");
    }
    c.overlap = o.overlap;
  }
  if (o.dst_repeated) {
    if (!o.dst_repeated->empty()) {
      if (auto ok = parse_dst_repeated(*o.dst_repeated); !ok) {
        return invalid_argument("--dst-repeated: " + ok.error().message +
                                " (\"\" for the default)");
      }
    }
    c.dst_repeated = o.dst_repeated;
  }
  if (o.wait_for_inputs) {
    const std::string& text = *o.wait_for_inputs;
    bool digits = !text.empty() && text.size() <= 6 &&
                  text.find_first_not_of("0123456789") == std::string::npos;
    if (!text.empty() && (!digits || std::stoll(text) > 604800)) {
      return invalid_argument("--wait-for-inputs: '" + text +
                              "' is not allowed: use a whole number of seconds from 0 to 604800 "
                              "(\"\" for the default)");
    }
    c.wait_for_inputs_seconds = text.empty() ? text : std::to_string(std::stoll(text));
  }
  return {};
}

// --after and --pipelines: configured pipelines only.
Status validate_links(const config::Config& config, const TeamOptions& o, TeamChanges& c) {
  if (o.after) {
    auto upstreams = parse_upstreams(*o.after);
    if (!upstreams) {
      return invalid_argument("--after: " + upstreams.error().message);
    }
    std::string text;
    for (const Upstream& upstream : *upstreams) {
      if (config.find_pipeline(upstream.pipeline) == nullptr) {
        return invalid_argument(
            "--after: '" + to_string(upstream) + "' names pipeline " + upstream.pipeline +
            ", which is not configured (use one of: " + config.pipeline_names() + ")");
      }
      text += (text.empty() ? "" : ",") + to_string(upstream);
    }
    c.upstreams = text;
  }
  if (o.pipelines) {
    auto names = validate_pipelines(config, *o.pipelines);
    if (!names) {
      return names.error();
    }
    c.pipelines = *names;
  }
  return {};
}

Status validate_name(const TeamOptions& o, TeamChanges& c) {
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
  return {};
}

// --run-time, --timezone and --cron: a schedule is a run time or a cron expression.
Status validate_schedule(const TeamOptions& o, TeamChanges& c) {
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
  return {};
}

// --retry-max-attempts, --retry-initial-delay and --retry-max-delay.
Status validate_retries(const TeamOptions& o, TeamChanges& c) {
  struct NumberOption {
    const char* flag;
    const std::optional<std::string>& value;
    std::optional<std::string>& change;
    std::int64_t max;
  };
  for (const NumberOption& n :
       {NumberOption{"--retry-max-attempts", o.retry_max_attempts, c.retry_max_attempts, 100},
        NumberOption{"--retry-initial-delay", o.retry_initial_delay, c.retry_initial_delay_seconds,
                     86400},
        NumberOption{"--retry-max-delay", o.retry_max_delay, c.retry_max_delay_seconds, 86400}}) {
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
  return {};
}

// --email and --slack-webhook.
Status validate_contacts(const TeamOptions& o, TeamChanges& c) {
  if (o.email) {
    std::string list = *o.email;
    std::size_t start = 0;
    while (!list.empty() && start <= list.size()) {
      auto comma = list.find(',', start);
      std::string address =
          list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
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
  return {};
}

}  // namespace

Result<TeamChanges> validate(const config::Config& config, const TeamOptions& options) {
  TeamChanges changes;
  // In this order: the first setting that is not allowed is the one reported.
  if (Status ok = validate_policies(options, changes); !ok) {
    return ok.error();
  }
  if (Status ok = validate_links(config, options, changes); !ok) {
    return ok.error();
  }
  if (Status ok = validate_name(options, changes); !ok) {
    return ok.error();
  }
  if (Status ok = validate_schedule(options, changes); !ok) {
    return ok.error();
  }
  if (Status ok = validate_retries(options, changes); !ok) {
    return ok.error();
  }
  if (Status ok = validate_contacts(options, changes); !ok) {
    return ok.error();
  }
  return changes;
}

namespace {

// Only a team's daily pipeline waits for others: the edges go from (team, daily).
using Edges = std::map<std::int64_t, std::vector<Upstream>>;

// Depth-first from `from`: true when it reaches team `id`'s daily pipeline again, with the steps
// taken left in `path`.
bool reaches(const Edges& edges, std::int64_t from, std::int64_t id, std::vector<std::string>& path,
             std::set<std::int64_t>& seen) {
  auto found = edges.find(from);
  if (found == edges.end()) {
    return false;
  }
  for (const Upstream& next : found->second) {
    if (!next.team || next.pipeline != kDefaultPipeline) {
      continue;  // the general run and other pipelines wait for nobody
    }
    path.push_back(to_string(next));
    if (next.team->value == id) {
      return true;
    }
    if (seen.insert(next.team->value).second && reaches(edges, next.team->value, id, path, seen)) {
      return true;
    }
    path.pop_back();
  }
  return false;
}

}  // namespace

Status check_upstreams(Database& db, TeamId id, const std::optional<std::string>& list) {
  if (!list) {
    return {};
  }
  auto upstreams = parse_upstreams(*list);
  if (!upstreams) {
    return invalid_argument("--after: " + upstreams.error().message);
  }
  auto teams = db.teams().list(TeamStore::Which::kAll);
  if (!teams) {
    return teams.error();
  }
  Edges edges;
  for (const Team& team : *teams) {
    edges[team.id.value] = team.upstreams;
  }
  edges[id.value] = *upstreams;
  for (const Upstream& upstream : *upstreams) {
    if (upstream.team && edges.count(upstream.team->value) == 0) {
      return invalid_argument("--after: team " + std::to_string(upstream.team->value) +
                              " does not exist (see `orchestrator teams list`)");
    }
  }
  // Reaching the team's own daily pipeline again is a cycle.
  std::vector<std::string> path{std::to_string(id.value)};
  std::set<std::int64_t> seen;
  if (reaches(edges, id.value, id.value, path, seen)) {
    std::string cycle;
    for (const std::string& step : path) {
      cycle += (cycle.empty() ? "team " : " -> team ") + step;
    }
    return invalid_argument("--after: that would make a cycle, " + cycle +
                            ": a run would wait for itself");
  }
  return {};
}

}  // namespace orch::cli
