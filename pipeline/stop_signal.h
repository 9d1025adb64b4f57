#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace orch::pipeline {

// A one-shot, thread-safe request to stop a running pipeline, with the grace it gets between
// SIGTERM and SIGKILL. The service's shutdown requests it from its own thread; the launcher
// running the pipeline on a worker thread listens for it.
class StopSignal {
 public:
  using Listener = std::function<void(std::chrono::milliseconds grace)>;

  // Asks for a stop. Later calls do nothing. Listeners run on the caller's thread.
  void request_stop(std::chrono::milliseconds grace);

  // The grace of the stop requested so far, if any.
  std::optional<std::chrono::milliseconds> requested() const;

  // Calls `listener` when a stop is requested: at once, on this thread, if it was already.
  // Returns an id for unsubscribe().
  int subscribe(Listener listener);
  void unsubscribe(int id);

 private:
  mutable std::mutex mutex_;
  std::optional<std::chrono::milliseconds> grace_;
  std::vector<std::pair<int, Listener>> listeners_;
  int next_id_ = 1;
};

}  // namespace orch::pipeline
