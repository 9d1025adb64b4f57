#include <string>

#include "orchestrator/api/endpoints.h"

namespace orch::api {
namespace {

// The loop's control look turns at least every 5 s; a reload of 10,000 teams holds it for a
// fraction of a second. Ten seconds without a turn means it is stuck.
constexpr std::chrono::seconds kLoopStale{10};

}  // namespace

void add_health_endpoints(Router& router, const EndpointContext& context) {
  router.add("GET", "/healthz", Access::kPublic,
             [](const RouteContext&) { return json_response(R"({"status":"ok"})"); });
  router.add("GET", "/readyz", Access::kPublic, [&context](const RouteContext&) {
    if (auto ok = context.db.queries().ping(); !ok) {
      return problem(503, "not ready: " + ok.error().message);
    }
    auto turned = context.loop_turn ? context.loop_turn() : std::nullopt;
    if (!turned) {
      return problem(503, "not ready: the scheduler loop is not running (starting or stopping)");
    }
    auto since = std::chrono::steady_clock::now() - *turned;
    if (since > kLoopStale) {
      return problem(
          503, "not ready: the scheduler loop has not turned for " +
                   std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) +
                   " s");
    }
    return json_response(R"({"status":"ready"})");
  });
}

}  // namespace orch::api
