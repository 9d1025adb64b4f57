#include "pipeline/stop_signal.h"

#include <utility>

namespace orch::pipeline {

void StopSignal::request_stop(const StopRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (request_ && request_->drain <= request.drain) {
    return;  // no sooner than the stop already under way
  }
  request_ = request;
  // Listeners run with the lock held, so that once unsubscribe() has returned its listener is
  // neither running nor going to run: the launcher's listener refers to an io_context that dies
  // right after it unsubscribes. The price is that a listener must not call back into this
  // StopSignal; the launcher's only posts a task.
  for (const auto& entry : listeners_) {
    entry.second(request);
  }
}

std::optional<StopRequest> StopSignal::requested() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return request_;
}

int StopSignal::subscribe(const Listener& listener) {
  std::unique_lock<std::mutex> lock(mutex_);
  const int id = next_id_++;
  listeners_.emplace_back(id, listener);
  if (request_) {
    // The stop under way is told at once, without the lock (which also lets the listener call
    // requested()); a more urgent one coming meanwhile reaches the listener through the list.
    const StopRequest request = *request_;
    lock.unlock();
    listener(request);
  }
  return id;
}

void StopSignal::unsubscribe(int id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace orch::pipeline
