#include <string>
#include <vector>

#include "notify/webhook_redaction.h"
#include "orchestrator/cli/team_settings.h"
#include "orchestrator/core/team_schedules.h"

namespace orch::cli {
namespace {

// The pipelines the team runs as the service would schedule them, each with what the team set
// for it: "daily", "month_end (cron 0 4 1 * *)", "recon (paused)".
std::vector<std::string> team_pipelines(const config::Config& config, const Team& team) {
  std::vector<std::string> out;
  for (const config::NamedPipeline& named : config.pipelines) {
    if (!runs_pipeline(team, named)) {
      continue;
    }
    std::string notes;
    for (const TeamPipeline& own : team.pipeline_settings) {
      if (own.pipeline != named.name) {
        continue;
      }
      if (own.cron) {
        notes += "cron " + *own.cron;
      } else if (own.run_time) {
        notes += "daily " + *own.run_time;
      }
      if (own.paused) {
        notes += std::string(notes.empty() ? "" : ", ") + "paused";
        if (own.pause_note) {
          notes += ": " + *own.pause_note;
        }
      }
    }
    out.push_back(named.name + (notes.empty() ? "" : " (" + notes + ")"));
  }
  return out;
}

std::vector<std::string> upstream_list(const Team& team) {
  std::vector<std::string> out;
  for (const Upstream& upstream : team.upstreams) {
    out.push_back(to_string(upstream));
  }
  return out;
}

std::vector<Table::Column> team_columns(bool with_pipelines) {
  std::vector<Table::Column> columns = {{"id", true},
                                        {"name"},
                                        {"active", true},
                                        {"paused", true},
                                        {"pause_note"},
                                        {"run_time"},
                                        {"cron"},
                                        {"timezone"},
                                        {"retry_max_attempts", true},
                                        {"retry_initial_delay_seconds", true},
                                        {"retry_max_delay_seconds", true},
                                        {"notify_email", true},
                                        {"slack_webhook"},
                                        {"wait_for_inputs_seconds", true},
                                        {"after", true},
                                        {"dst_skipped"},
                                        {"dst_repeated"},
                                        {"overlap"},
                                        {"active_since"},
                                        {"updated_at"}};
  if (with_pipelines) {
    columns.insert(columns.begin() + 7, {"pipelines", true});
  }
  return columns;
}

std::optional<std::string> number(const std::optional<int>& v) {
  return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

// A JSON array in JSON, else the items joined by `separator`.
std::optional<std::string> list(const std::vector<std::string>& items, const char* separator,
                                Format format) {
  if (format == Format::kJson) {
    return json_array(items);
  }
  std::string text;
  for (const std::string& item : items) {
    text += (text.empty() ? "" : separator) + item;
  }
  return text;
}

std::vector<std::optional<std::string>> team_row(const Team& team, Format format) {
  return {std::to_string(team.id.value), team.name, team.active ? "true" : "false",
          team.paused ? "true" : "false", team.pause_note, team.run_time, team.cron, team.timezone,
          number(team.retry_max_attempts), number(team.retry_initial_delay_seconds),
          number(team.retry_max_delay_seconds),
          team.notify_email ? list(split_list(*team.notify_email), ",", format) : std::nullopt,
          // A webhook URL is a secret (its path is the token).
          team.notify_slack_webhook
              ? std::optional<std::string>(notify::redact_webhook(*team.notify_slack_webhook))
              : std::nullopt,
          number(team.wait_for_inputs_seconds),
          team.upstreams.empty() ? std::nullopt : list(upstream_list(team), ",", format),
          team.dst_skipped, team.dst_repeated, team.overlap, format_utc(team.active_since),
          format_utc(team.updated_at)};
}

}  // namespace

Table team_table(const config::Config& config, const std::vector<Team>& teams, Format format) {
  Table t;
  t.when_empty = "no teams (add one with orchestrator teams add)";
  const bool with_pipelines = config.pipelines.size() > 1;
  t.columns = team_columns(with_pipelines);
  for (const Team& team : teams) {
    std::vector<std::optional<std::string>> row = team_row(team, format);
    if (with_pipelines) {
      row.insert(row.begin() + 7, list(team_pipelines(config, team), ", ", format));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace orch::cli
