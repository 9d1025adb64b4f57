#include "orchestrator/api/router.h"

#include <algorithm>

namespace orch::api {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 1;  // past the leading '/'
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  // "/api/v1/runs/" and "/api/v1/runs" name one collection.
  if (segments.size() > 1 && segments.back().empty()) {
    segments.pop_back();
  }
  return segments;
}

std::string method_text(const std::vector<std::string>& methods) {
  std::string text;
  for (const auto& m : methods) {
    text += (text.empty() ? "" : ", ") + m;
  }
  return text;
}

}  // namespace

void Router::add(std::string method, const std::string& pattern, Access access,
                 RouteHandler handler) {
  routes_.push_back({std::move(method), split_path(pattern), access, std::move(handler)});
}

std::optional<std::map<std::string, std::string>> Router::match(
    const Route& route, const std::vector<std::string>& path) {
  if (route.segments.size() != path.size()) {
    return std::nullopt;
  }
  std::map<std::string, std::string> params;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (path[i].empty()) {
        return std::nullopt;
      }
      params.emplace(want.substr(1, want.size() - 2), path[i]);
    } else if (want != path[i]) {
      return std::nullopt;
    }
  }
  return params;
}

HttpResponse Router::handle(const HttpRequest& request) const {
  const auto path = split_path(request.path);
  const Route* found = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // methods of the routes whose pattern matches
  Access needed = Access::kRead;
  bool any_public = false;
  for (const Route& route : routes_) {
    auto matched = match(route, path);
    if (!matched) {
      continue;
    }
    allowed.push_back(route.method);
    any_public = any_public || route.access == Access::kPublic;
    if (route.method == request.method && found == nullptr) {
      found = &route;
      params = std::move(*matched);
      needed = route.access;
    }
  }
  std::optional<Caller> caller;
  if (found == nullptr ? !any_public : needed != Access::kPublic) {
    auto role = needed == Access::kAdmin ? config::ApiRole::kAdmin : config::ApiRole::kRead;
    AccessDecision decision = access_.check(request.authorization, role);
    switch (decision.outcome) {
      case AccessOutcome::kNoTokenConfigured:
        return problem(403,
                       "the API has no token configured: set api.token (or API_TOKEN), or "
                       "api.tokens, in the configuration and restart the service");
      case AccessOutcome::kUnauthenticated: {
        HttpResponse response =
            problem(401, "send a configured token as 'Authorization: Bearer <token>'");
        response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"orchestrator\"");
        return response;
      }
      case AccessOutcome::kForbidden:
        return problem(403, "this endpoint needs a token with role admin; '" +
                                decision.caller->name + "' has role read");
      case AccessOutcome::kGranted:
        caller = decision.caller;
        break;
    }
  }
  if (found == nullptr && allowed.empty()) {
    return problem(404, "no endpoint at " + request.path);
  }
  if (found == nullptr) {
    std::sort(allowed.begin(), allowed.end());
    HttpResponse response = problem(405, request.method + " is not allowed on " + request.path +
                                             "; allowed: " + method_text(allowed));
    response.headers.emplace_back("Allow", method_text(allowed));
    return response;
  }
  RouteContext context{request, std::move(params), std::move(caller)};
  return found->handler(context);
}

}  // namespace orch::api
