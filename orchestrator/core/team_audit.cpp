#include "orchestrator/core/team_audit.h"

#include <map>

#include <nlohmann/json.hpp>

#include "notify/webhook_redaction.h"

namespace orch {
namespace {

using Fields = std::map<std::string, nlohmann::json>;

nlohmann::json text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

nlohmann::json number(const std::optional<int>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

// Every field of the team, null when unset, named as `teams list` names its columns.
Fields fields_of(const Team& team) {
  Fields f;
  f["name"] = team.name;
  f["active"] = team.active;
  f["paused"] = team.paused;
  f["pause_note"] = text(team.pause_note);
  f["run_time"] = text(team.run_time);
  f["cron"] = text(team.cron);
  f["timezone"] = text(team.timezone);
  f["retry_max_attempts"] = number(team.retry_max_attempts);
  f["retry_initial_delay_seconds"] = number(team.retry_initial_delay_seconds);
  f["retry_max_delay_seconds"] = number(team.retry_max_delay_seconds);
  f["notify_email"] = text(team.notify_email);
  f["slack_webhook"] = team.notify_slack_webhook
                           ? nlohmann::json(notify::redact_webhook(*team.notify_slack_webhook))
                           : nlohmann::json();
  f["wait_for_inputs_seconds"] = number(team.wait_for_inputs_seconds);
  std::string after;
  for (const Upstream& upstream : team.upstreams) {
    after += (after.empty() ? "" : ",") + to_string(upstream);
  }
  f["after"] = after.empty() ? nlohmann::json() : nlohmann::json(after);
  f["dst_skipped"] = text(team.dst_skipped);
  f["dst_repeated"] = text(team.dst_repeated);
  f["overlap"] = text(team.overlap);
  if (team.pipelines) {
    std::string names;
    for (const std::string& name : *team.pipelines) {
      names += (names.empty() ? "" : ",") + name;
    }
    f["pipelines"] = names;
  } else {
    f["pipelines"] = nlohmann::json();
  }
  for (const TeamPipeline& p : team.pipeline_settings) {
    const std::string prefix = "pipeline:" + p.pipeline + "/";
    f[prefix + "run_time"] = text(p.run_time);
    f[prefix + "cron"] = text(p.cron);
    f[prefix + "paused"] = p.paused;
    f[prefix + "pause_note"] = text(p.pause_note);
  }
  return f;
}

}  // namespace

AuditDiff team_diff(const std::optional<Team>& before, const Team& after) {
  const Fields now = fields_of(after);
  nlohmann::json old_side = nlohmann::json::object();
  nlohmann::json new_side = nlohmann::json::object();
  if (!before) {
    for (const auto& [name, value] : now) {
      if (!value.is_null()) {
        new_side[name] = value;
      }
    }
    return AuditDiff{std::nullopt, new_side.dump()};
  }
  const Fields then = fields_of(*before);
  // A field on one side only (a pipeline's row that came into being) counts as null on the other.
  auto value_in = [](const Fields& fields, const std::string& name) {
    auto it = fields.find(name);
    return it == fields.end() ? nlohmann::json() : it->second;
  };
  std::map<std::string, int> names;
  for (const auto& [name, value] : then) {
    names[name] = 0;
  }
  for (const auto& [name, value] : now) {
    names[name] = 0;
  }
  for (const auto& [name, unused] : names) {
    nlohmann::json a = value_in(then, name);
    nlohmann::json b = value_in(now, name);
    if (a != b) {
      old_side[name] = a;
      new_side[name] = b;
    }
  }
  return AuditDiff{old_side.dump(), new_side.dump()};
}

std::string team_target(TeamId id, const std::string& pipeline) {
  std::string target = "team:" + std::to_string(id.value);
  if (!pipeline.empty()) {
    target += "/pipeline:" + pipeline;
  }
  return target;
}

AuditEntry audit_entry(std::string actor, std::string action, std::string target, SysTime at,
                       AuditDiff diff) {
  AuditEntry entry;
  entry.at = at;
  entry.actor = std::move(actor);
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.before = std::move(diff.before);
  entry.after = std::move(diff.after);
  return entry;
}

AuditDiff with_resume_note(AuditDiff diff, const std::string& note) {
  nlohmann::json after =
      diff.after ? nlohmann::json::parse(*diff.after, nullptr, false) : nlohmann::json::object();
  if (!after.is_object()) {
    after = nlohmann::json::object();
  }
  after["resume_note"] = note;
  diff.after = after.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return diff;
}

}  // namespace orch
