#include <nlohmann/json.hpp>

#include "config/base/clock.h"
#include "orchestrator/api/endpoints.h"
#include "orchestrator/api/json_body.h"
#include "orchestrator/core/audit_actor.h"
#include "orchestrator/core/pause_note.h"
#include "orchestrator/core/reschedule.h"
#include "orchestrator/core/team_audit.h"

namespace orch::api {
namespace {

// How long POST /api/v1/reschedule waits for the live services by default, and at most: it holds
// one of the server's threads meanwhile.
constexpr std::int64_t kDefaultRescheduleWaitSeconds = 10;
constexpr std::int64_t kMaxRescheduleWaitSeconds = 60;

const char* state_of(const Team& team) {
  if (!team.active) {
    return "inactive";
  }
  return team.paused ? "paused" : "active";
}

nlohmann::json optional_text(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

// The team as a pause or resume leaves it: its state and note, and each pipeline of its own with
// theirs.
std::string team_state_json(const Team& team) {
  nlohmann::json pipelines = nlohmann::json::array();
  for (const TeamPipeline& p : team.pipeline_settings) {
    pipelines.push_back({{"name", p.pipeline},
                         {"state", p.paused ? "paused" : "active"},
                         {"pause_note", optional_text(p.pause_note)}});
  }
  nlohmann::json body = {{"id", std::to_string(team.id.value)},
                         {"name", team.name},
                         {"state", state_of(team)},
                         {"pause_note", optional_text(team.pause_note)},
                         {"pipelines", pipelines}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

enum class PauseAction { kPause, kResume };

// What a pause or resume asks for, checked: every error is a 400 with its message.
struct PauseRequest {
  TeamId id;
  std::optional<std::string> note;
  std::optional<std::string> pipeline;
};

Result<PauseRequest> parse_pause_request(const EndpointContext& context,
                                         const RouteContext& route) {
  if (!route.request.query.empty()) {
    return invalid_argument("this endpoint takes no query parameters");
  }
  const std::string& id_text = route.params.at("id");
  if (id_text == "general") {
    return invalid_argument(
        "the general run cannot be paused or resumed: it has no schedule to stop");
  }
  auto id = parse_team_id(id_text);
  if (!id) {
    return invalid_argument("team " + id_text + ": use a team id (1 to 2147483647)");
  }
  auto body = JsonBody::parse(route.request.body, {"note", "pipeline"});
  if (!body) {
    return body.error();
  }
  auto note = body->text("note");
  if (!note) {
    return note.error();
  }
  auto pipeline = body->text("pipeline");
  if (!pipeline) {
    return pipeline.error();
  }
  if (*note) {
    if (Status ok = check_pause_note(**note); !ok) {
      return invalid_argument("note: " + ok.error().message);
    }
  }
  if (*pipeline && context.config.find_pipeline(**pipeline) == nullptr) {
    return invalid_argument(
        "pipeline: '" + **pipeline +
        "' is not a configured pipeline (use one of: " + context.config.pipeline_names() + ")");
  }
  return PauseRequest{*id, *note, *pipeline};
}

HttpResponse pause_or_resume(const EndpointContext& context, const RouteContext& route,
                             PauseAction action) {
  auto request = parse_pause_request(context, route);
  if (!request) {
    return problem(400, request.error().message);
  }
  const std::string& id_text = route.params.at("id");
  const bool pause = action == PauseAction::kPause;
  Database& db = context.db;
  auto before = db.teams().find(request->id);
  if (!before) {
    return problem_for(before.error());
  }
  if (!*before) {
    return problem(404, "team " + id_text + " does not exist");
  }
  SysTime now = SystemClock().now();
  // A pause keeps its note on the team; a resume clears it and its own note goes to the audit log.
  const std::optional<std::string>& note = request->note;
  const std::optional<std::string> kept = pause ? note : std::nullopt;
  auto changed = request->pipeline ? db.teams().set_pipeline_paused(request->id, *request->pipeline,
                                                                    pause, now, kept)
                                   : db.teams().set_paused(request->id, pause, now, kept);
  if (!changed) {
    return problem_for(changed.error());
  }
  // The change is made: its audit entry follows (the store offers no transaction across both).
  AuditEntry entry = audit_entry(
      api_actor(route.caller ? route.caller->name : ""), pause ? "teams.pause" : "teams.resume",
      team_target(request->id, request->pipeline.value_or("")), now,
      pause || !note ? team_diff(*before, *changed)
                     : with_resume_note(team_diff(*before, *changed), *note));
  if (auto recorded = db.audit().record(entry); !recorded) {
    return problem(503, "team " + id_text + " was " + (pause ? "paused" : "resumed") +
                            ", but its audit entry was not written: " + recorded.error().message);
  }
  return json_response(team_state_json(*changed));
}

HttpResponse reschedule(const EndpointContext& context, const RouteContext& route) {
  if (!route.request.query.empty()) {
    return problem(400, "this endpoint takes no query parameters");
  }
  auto body = JsonBody::parse(route.request.body, {"timeout_seconds"});
  if (!body) {
    return problem(400, body.error().message);
  }
  auto wait = body->whole_number("timeout_seconds");
  if (!wait) {
    return problem(400, wait.error().message);
  }
  std::int64_t seconds = wait->value_or(kDefaultRescheduleWaitSeconds);
  if (seconds < 0 || seconds > kMaxRescheduleWaitSeconds) {
    return problem(400, "timeout_seconds: use a whole number from 0 to " +
                            std::to_string(kMaxRescheduleWaitSeconds));
  }
  auto outcome = reschedule_services(context.db, context.config,
                                     api_actor(route.caller ? route.caller->name : ""),
                                     std::chrono::seconds(seconds));
  if (!outcome) {
    return problem_for(outcome.error());
  }
  if (!outcome->waiting.empty()) {
    std::string names;
    for (const auto& name : outcome->waiting) {
      names += (names.empty() ? "" : ", ") + name;
    }
    return problem(503, "service " + names + " did not apply the new schedule within " +
                            std::to_string(seconds) + " s");
  }
  nlohmann::json answer = {{"generation", outcome->generation}, {"applied", outcome->applied}};
  return json_response(answer.dump());
}

}  // namespace

void add_team_action_endpoints(Router& router, const EndpointContext& context) {
  router.add("POST", "/api/v1/teams/{id}/pause", Access::kAdmin,
             [&context](const RouteContext& route) {
               return pause_or_resume(context, route, PauseAction::kPause);
             });
  router.add("POST", "/api/v1/teams/{id}/resume", Access::kAdmin,
             [&context](const RouteContext& route) {
               return pause_or_resume(context, route, PauseAction::kResume);
             });
  router.add("POST", "/api/v1/reschedule", Access::kAdmin,
             [&context](const RouteContext& route) { return reschedule(context, route); });
}

}  // namespace orch::api
