#pragma once

#include <memory>
#include <string>

#include "config/base/result.h"
#include "config/config.h"
#include "orchestrator/api/endpoints.h"
#include "orchestrator/api/service_metrics.h"

namespace orch::api {

// The service's HTTP API (`api.listen`): health, readiness, /metrics and the read endpoints of
// the run history, behind bearer tokens. It reads through a database connection of its own and
// serves on threads of its own, so a request never waits for a run and a run never waits for a
// request. Stops when destroyed.
class HttpApi {
 public:
  // Opens the API's own connection to the (existing) database and listens. nullptr when
  // api.listen is "" (no API). Fails with kInvalidArgument when the address cannot be listened on
  // (a busy port), kUnavailable when the database cannot be opened. `metrics` must outlive it.
  static Result<std::unique_ptr<HttpApi>> start(const config::Config& config,
                                                ServiceMetrics& metrics, LoopProbe loop_turn);

  virtual ~HttpApi() = default;

  // "127.0.0.1:8080", with the port chosen when api.listen asked for port 0.
  virtual std::string address() const = 0;
};

}  // namespace orch::api
