#include "orchestrator/api/http_api.h"

#include "config/base/log.h"
#include "orchestrator/api/http_server.h"

namespace orch::api {
namespace {

// A connection per server thread: a request never queues behind another for the database.
constexpr int kConnections = 2;

class ServingApi final : public HttpApi {
 public:
  ServingApi(const config::Config& config, std::unique_ptr<Database> db, ServiceMetrics& metrics,
             LoopProbe loop_turn)
      : db_(std::move(db)),
        context_{config, *db_, metrics, std::move(loop_turn)},
        router_(AccessCheck(config.api)) {
    add_health_endpoints(router_, context_);
    add_metrics_endpoint(router_, context_);
    add_run_endpoints(router_, context_);
    add_team_endpoints(router_, context_);
    add_day_endpoints(router_, context_);
    add_dashboard_endpoints(router_);
    add_run_control_endpoints(router_, context_);
    add_team_action_endpoints(router_, context_);
    add_audit_endpoints(router_, context_);
  }
  ~ServingApi() override { server_.reset(); }  // stops the threads before what they read goes
  ServingApi(const ServingApi&) = delete;
  ServingApi& operator=(const ServingApi&) = delete;
  ServingApi(ServingApi&&) = delete;
  ServingApi& operator=(ServingApi&&) = delete;

  Status listen(const std::string& address) {
    ServerLimits limits;
    limits.threads = kConnections;
    auto server = HttpServer::start(address, limits,
                                    [this](const HttpRequest& r) { return router_.handle(r); });
    if (!server) {
      return server.error();
    }
    server_ = std::move(*server);
    return {};
  }

  std::string address() const override { return server_->local_address(); }

 private:
  std::unique_ptr<Database> db_;
  EndpointContext context_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace

Result<std::unique_ptr<HttpApi>> HttpApi::start(const config::Config& config,
                                                ServiceMetrics& metrics, LoopProbe loop_turn) {
  if (config.api.listen.empty()) {
    return std::unique_ptr<HttpApi>();
  }
  auto db = Database::open(config.database.url, kConnections, Database::OpenMode::kExisting);
  if (!db) {
    return db.error();
  }
  auto api = std::make_unique<ServingApi>(config, std::move(*db), metrics, std::move(loop_turn));
  if (auto ok = api->listen(config.api.listen); !ok) {
    return ok.error();
  }
  bool tokens = !config.api.token.empty() || !config.api.tokens.empty();
  // No "ready" in this line: that word is what supervisors and tests wait for in the log.
  log::info("api_listening", {{"address", api->address()},
                              {"tokens", tokens ? std::to_string(config.api.tokens.size() +
                                                                 (config.api.token.empty() ? 0 : 1))
                                                : "none (only the health checks answer)"}});
  return std::unique_ptr<HttpApi>(std::move(api));
}

}  // namespace orch::api
