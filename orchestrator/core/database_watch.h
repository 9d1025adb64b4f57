#pragma once

#include <atomic>
#include <functional>

#include "orchestrator/store/database.h"

namespace orch {

// Watches that a running service's database stays where it was opened: a SQLite file removed or
// replaced under it would take every later write into a file no one reads, silently. check()
// runs on each heartbeat; the first check that finds the database gone logs one error line
// (`database_lost`: the database, what happened, the effect) and calls `on_lost` (the service
// stops with exit code 4). Later checks do nothing. Thread-safe.
class DatabaseWatch {
 public:
  DatabaseWatch(const Database& db, std::function<void()> on_lost);

  void check();

 private:
  const Database& db_;
  std::function<void()> on_lost_;
  std::atomic<bool> lost_{false};
};

}  // namespace orch
