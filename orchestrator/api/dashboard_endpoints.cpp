#include <string>

#include <nlohmann/json.hpp>

#include "orchestrator/api/dashboard_assets.h"
#include "orchestrator/api/endpoints.h"

namespace orch::api {
namespace {

// The dashboard's own files may load scripts, styles and images from this origin and nothing
// else: no inline script or style, no other site, no framing. Its data comes from the same origin.
constexpr const char* kDashboardPolicy =
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const StaticAsset* find_asset(std::string_view path) {
  for (const StaticAsset& asset : dashboard_assets()) {
    if (asset.path == path) {
      return &asset;
    }
  }
  return nullptr;
}

// The files are public (they hold no data) and change only with the binary: a client keeps them
// and asks again with If-None-Match each time ("no-cache"), so an upgrade is seen at once.
HttpResponse serve_asset(const StaticAsset& asset, const HttpRequest& request) {
  HttpResponse response;
  response.content_type = std::string(asset.content_type);
  response.headers = {{"ETag", std::string(asset.etag)},
                      {"Cache-Control", "no-cache"},
                      {"Content-Security-Policy", kDashboardPolicy}};
  if (request.if_none_match == asset.etag) {
    response.status = 304;
    return response;
  }
  response.body = std::string(asset.body);
  return response;
}

}  // namespace

void add_dashboard_endpoints(Router& router) {
  router.add("GET", "/", Access::kPublic, [](const RouteContext& route) {
    const StaticAsset* index = find_asset("/assets/index.html");
    return index ? serve_asset(*index, route.request) : problem(404, "no dashboard in this build");
  });
  router.add("GET", "/assets/{name}", Access::kPublic, [](const RouteContext& route) {
    const StaticAsset* asset = find_asset("/assets/" + route.params.at("name"));
    return asset ? serve_asset(*asset, route.request)
                 : problem(404, "no file " + route.request.path + " in the dashboard");
  });
  // Which token the dashboard holds: it offers the actions to an admin only.
  router.add("GET", "/api/v1/whoami", Access::kRead, [](const RouteContext& route) {
    const Caller& caller = *route.caller;
    nlohmann::json body = {{"name", caller.name},
                           {"role", caller.role == config::ApiRole::kAdmin ? "admin" : "read"}};
    return json_response(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
}

}  // namespace orch::api
