#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/api/access.h"
#include "orchestrator/api/http_message.h"

namespace orch::api {

// Who may call an endpoint: anyone (the health checks), any token, or an admin token.
enum class Access { kPublic, kRead, kAdmin };

// What a handler gets: the request, the values of the pattern's {names}, and who called.
struct RouteContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;
  std::optional<Caller> caller;  // unset on public endpoints
};

using RouteHandler = std::function<HttpResponse(const RouteContext&)>;

// Maps method and path patterns ("/api/v1/runs/{run_id}/log": a {name} matches one non-empty
// segment) to handlers, and checks access before a handler runs. A request to anything but a
// public endpoint is authenticated first (401, 403) and only then told 404 or 405, so that no
// one without a token learns which paths exist. Built once, then read by the server's threads.
class Router {
 public:
  explicit Router(AccessCheck access) : access_(std::move(access)) {}

  // Requires: the same method and pattern are not added twice.
  void add(std::string method, const std::string& pattern, Access access, RouteHandler handler);

  HttpResponse handle(const HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{name}" for a parameter
    Access access;
    RouteHandler handler;
  };
  static std::optional<std::map<std::string, std::string>> match(
      const Route& route, const std::vector<std::string>& path);

  AccessCheck access_;
  std::vector<Route> routes_;
};

}  // namespace orch::api
