#include "orchestrator/core/database_watch.h"

#include <utility>

#include "config/base/log.h"

namespace orch {

DatabaseWatch::DatabaseWatch(const Database& db, std::function<void()> on_lost)
    : db_(db), on_lost_(std::move(on_lost)) {}

void DatabaseWatch::check() {
  if (lost_.load()) {
    return;
  }
  Status in_place = db_.verify_location();
  if (in_place || lost_.exchange(true)) {
    return;
  }
  log::error("database_lost", {{"database", db_.describe()},
                               {"reason", in_place.error().message},
                               {"effect", "stopping like on SIGTERM; exit code 4"}});
  on_lost_();
}

}  // namespace orch
