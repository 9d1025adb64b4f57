// Run now and cancel over HTTP: the same requests through the database as `trigger` and
// `cancel`, so that whichever replica answers, the run happens once, on whichever service takes
// it.

#include <nlohmann/json.hpp>

#include "orchestrator/api/endpoints.h"
#include "orchestrator/core/audit_actor.h"
#include "orchestrator/core/remote_control.h"

namespace orch::api {
namespace {

// How long a request waits for a service (normally this one, woken by the control bell).
constexpr std::chrono::seconds kTriggerWait{10};
constexpr std::size_t kMaxIdempotencyKey = 200;

std::string actor(const RouteContext& route) {
  return api_actor(route.caller ? route.caller->name : std::string("?"));
}

// The team named by {id}: std::nullopt for "general", else a team id that exists.
Result<std::optional<TeamId>> parse_owner(const EndpointContext& context, const std::string& id) {
  if (id == "general") {
    return std::optional<TeamId>();
  }
  auto parsed = parse_team_id(id);
  if (!parsed) {
    return invalid_argument("team " + id + ": use a team id (1 to 2147483647) or general");
  }
  auto found = context.db.teams().find(*parsed);
  if (!found) {
    return found.error();
  }
  if (!*found) {
    return not_found("team " + id + " does not exist");
  }
  return std::optional<TeamId>(*parsed);
}

// The body's pipeline (default: daily) and purchase date into `request`; an empty body asks for
// neither.
Status read_run_now_body(const EndpointContext& context, const std::string& text,
                         TriggerRequest& request, std::string& pipeline) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return {};
  }
  auto body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return invalid_argument(
        "the body is not a JSON object: send {\"purchase_date\": \"YYYY-MM-DD\", \"pipeline\": "
        "\"daily\"}, either field optional, or no body");
  }
  for (const auto& [name, value] : body.items()) {
    if (name != "purchase_date" && name != "pipeline") {
      return invalid_argument("unknown field '" + name + "' (allowed: purchase_date, pipeline)");
    }
    if (!value.is_string()) {
      return invalid_argument(name + ": give a string");
    }
  }
  if (body.contains("pipeline")) {
    pipeline = body["pipeline"].get<std::string>();
    if (context.config.find_pipeline(pipeline) == nullptr) {
      return invalid_argument("pipeline '" + pipeline + "' is not configured (use one of: " +
                              context.config.pipeline_names() + ")");
    }
  }
  if (body.contains("purchase_date")) {
    auto date = parse_date(body["purchase_date"].get<std::string>());
    if (!date) {
      return invalid_argument("purchase_date: " + date.error().message);
    }
    request.purchase_date = format_date(*date);
  }
  return {};
}

// The owner named by {id} ("general" or a team id that exists), the body's pipeline and
// purchase date.
Result<TriggerRequest> parse_run_now(const EndpointContext& context, const RouteContext& route) {
  TriggerRequest request;
  auto team = parse_owner(context, route.params.at("id"));
  if (!team) {
    return team.error();
  }
  std::string pipeline(kDefaultPipeline);
  if (Status ok = read_run_now_body(context, route.request.body, request, pipeline); !ok) {
    return ok.error();
  }
  const std::string& key = route.request.idempotency_key;
  if (!key.empty()) {
    if (key.size() > kMaxIdempotencyKey) {
      return invalid_argument("Idempotency-Key: at most " + std::to_string(kMaxIdempotencyKey) +
                              " characters");
    }
    request.idempotency_key = key;
  }
  request.owner = RunOwner{*team, pipeline};
  request.requested_by = actor(route);
  return request;
}

HttpResponse run_now(const EndpointContext& context, const RouteContext& route) {
  auto request = parse_run_now(context, route);
  if (!request) {
    return problem_for(request.error());
  }
  auto answer = ask_to_run(context.db, *request, kTriggerWait);
  if (!answer) {
    return problem_for(answer.error());
  }
  const std::string owner =
      describe_team(request->owner.team) + (request->owner.pipeline == kDefaultPipeline
                                                ? ""
                                                : "'s " + request->owner.pipeline + " pipeline");
  switch (answer->outcome) {
    case TriggerOutcome::kStarted: {
      const std::string url = "/api/v1/runs/" + answer->run_id.str();
      nlohmann::json body = {{"run_id", answer->run_id.str()}, {"status_url", url}};
      HttpResponse response = json_response(body.dump());
      response.status = 202;
      response.headers.emplace_back("Location", url);
      return response;
    }
    case TriggerOutcome::kBusy:
      return problem(409, owner + " already has a run in progress (" + answer->run_id.str() +
                              "); nothing was started");
    case TriggerOutcome::kWithdrawn:
      return problem(409,
                     "the request with this Idempotency-Key was given up before any "
                     "service took it; send a new key");
    default:
      if (answer->replayed && answer->outcome == TriggerOutcome::kPending) {
        return problem(409, "the request with this Idempotency-Key is still being taken");
      }
      return problem(400, "the service refused the run: " + answer->error);
  }
}

HttpResponse cancel(const EndpointContext& context, const RouteContext& route) {
  const std::string& run_id = route.params.at("run_id");
  if (!is_run_id(run_id)) {
    return problem(404, "no run " + run_id);
  }
  auto result =
      ask_to_cancel(context.db, RunId(run_id), actor(route), std::chrono::milliseconds(0));
  if (!result) {
    return problem_for(result.error());
  }
  switch (result->found) {
    case CancelFound::kNotFound:
      return problem(404, "no run " + run_id);
    case CancelFound::kEnded:
      return problem(409, "run " + run_id + " has already ended: " + to_string(result->status));
    case CancelFound::kCancelled: {
      nlohmann::json body = {{"run_id", run_id}, {"status", "cancelled"}};
      return json_response(body.dump());
    }
    case CancelFound::kRequested:
      break;
  }
  // Its service stops it within a moment and records it cancelled: the run's URL tells when.
  nlohmann::json body = {{"run_id", run_id},
                         {"status", to_string(result->status)},
                         {"cancel", "requested"},
                         {"instance", result->instance},
                         {"status_url", "/api/v1/runs/" + run_id}};
  HttpResponse response = json_response(body.dump());
  response.status = 202;
  return response;
}

}  // namespace

void add_run_control_endpoints(Router& router, const EndpointContext& context) {
  router.add("POST", "/api/v1/teams/{id}/runs", Access::kAdmin,
             [&context](const RouteContext& route) { return run_now(context, route); });
  router.add("POST", "/api/v1/runs/{run_id}/cancel", Access::kAdmin,
             [&context](const RouteContext& route) { return cancel(context, route); });
}

}  // namespace orch::api
