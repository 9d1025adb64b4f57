#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace orch::pipeline {

// Why a pipeline is stopped: the end its run is recorded with (`interrupted`, or `cancelled`).
enum class StopCause { kShutdown, kCancel };

// How a running pipeline is to be stopped: it may still run to its own end for `drain`; then its
// group gets SIGTERM, and SIGKILL `term_grace` later.
struct StopRequest {
  std::chrono::milliseconds drain{0};
  std::chrono::milliseconds term_grace{0};
  // Why, as the run's error says it when the group had to be killed; empty: a shutdown.
  std::string why;
  StopCause cause = StopCause::kShutdown;
  friend bool operator==(const StopRequest&, const StopRequest&) = default;
};

// A thread-safe request to stop a running pipeline. The service's shutdown requests it from its
// own thread; the launcher running the pipeline on a worker thread listens for it. A later
// request is heard only when it is more urgent (it would send SIGTERM sooner): a second SIGTERM
// to the service, or a service that must fence itself off, cuts a drain short.
class StopSignal {
 public:
  using Listener = std::function<void(const StopRequest& request)>;

  // Asks for a stop. Listeners run on the caller's thread.
  void request_stop(const StopRequest& request);

  // The most urgent stop requested so far, if any.
  std::optional<StopRequest> requested() const;

  // Calls `listener` for each stop heard: at once, on this thread, if one was already. Returns an
  // id for unsubscribe().
  int subscribe(const Listener& listener);
  void unsubscribe(int id);

 private:
  mutable std::mutex mutex_;
  std::optional<StopRequest> request_;
  std::vector<std::pair<int, Listener>> listeners_;
  int next_id_ = 1;
};

}  // namespace orch::pipeline
