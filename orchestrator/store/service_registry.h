#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch {

struct ServiceInstance {
  std::string instance;  // "host:pid"
  std::string host;
  std::int64_t pid = 0;
  SysTime started_at;
  SysTime heartbeat_at;
  std::int64_t applied_generation = 0;
  std::string version;  // the service's build ("0.1.0"); "" when unknown
};

// The live services sharing a database, and the schedule generation: `reschedule` bumps the
// generation, and each service reloads its teams and acknowledges it. Thread-safe.
class ServiceRegistry {
 public:
  virtual ~ServiceRegistry() = default;

  virtual Status register_instance(const ServiceInstance& instance) = 0;
  // Records that `instance` is alive at `now`. A service forgotten meanwhile (forget_silent) is
  // registered again, as started at `now`.
  virtual Status heartbeat(const std::string& instance, SysTime now) = 0;
  virtual Status acknowledge(const std::string& instance, std::int64_t generation) = 0;
  virtual Status deregister(const std::string& instance) = 0;
  // Services whose heartbeat is at or after `alive_since`.
  virtual Result<std::vector<ServiceInstance>> live(SysTime alive_since) = 0;
  // Deletes the services whose last heartbeat is before `silent_since` (killed without a clean
  // stop, never to come back); returns how many.
  virtual Result<std::size_t> forget_silent(SysTime silent_since) = 0;

  // When the schema was first created: the general run's schedule starts there.
  virtual Result<SysTime> installed_at() = 0;
  // When a service first scheduled each pipeline of `names`: those no service scheduled before
  // are recorded as first scheduled at `now` (the first of several replicas wins). A pipeline
  // added to the configuration has no slot before it, as a new team has none before it was added.
  virtual Result<std::map<std::string, SysTime>> pipelines_first_scheduled(
      const std::vector<std::string>& names, SysTime now) = 0;

  virtual Result<std::int64_t> generation() = 0;
  // Increments the generation and returns the new one.
  virtual Result<std::int64_t> bump_generation() = 0;
};

}  // namespace orch
