#pragma once

// Internal to orchestrator/api: each group of endpoints adds its routes to the router. Later
// groups (teams, actions, the calendar, the audit log) slot in the same way.

#include <chrono>
#include <functional>
#include <optional>

#include "config/config.h"
#include "orchestrator/api/router.h"
#include "orchestrator/api/service_metrics.h"
#include "orchestrator/store/database.h"

namespace orch::api {

// When the service's loop last turned (Service::last_loop_turn); nullopt: starting or stopping.
using LoopProbe = std::function<std::optional<std::chrono::steady_clock::time_point>()>;

// What the handlers read. `db` is the API's own connection, never the scheduler's. Outlives the
// server.
struct EndpointContext {
  const config::Config& config;
  Database& db;
  ServiceMetrics& metrics;
  LoopProbe loop_turn;
};

// GET /healthz, GET /readyz.
void add_health_endpoints(Router& router, const EndpointContext& context);
// GET /metrics.
void add_metrics_endpoint(Router& router, const EndpointContext& context);
// GET /api/v1/runs, /api/v1/runs/{run_id}, /api/v1/runs/{run_id}/log.
void add_run_endpoints(Router& router, const EndpointContext& context);
// GET /api/v1/teams, /api/v1/teams/{id}.
void add_team_endpoints(Router& router, const EndpointContext& context);
// GET /api/v1/calendar, /api/v1/teams/{id}/days/{date}.
void add_day_endpoints(Router& router, const EndpointContext& context);
// POST /api/v1/teams/{id}/pause, /api/v1/teams/{id}/resume, /api/v1/reschedule (admin).
void add_team_action_endpoints(Router& router, const EndpointContext& context);
// GET /api/v1/audit.
void add_audit_endpoints(Router& router, const EndpointContext& context);

}  // namespace orch::api
