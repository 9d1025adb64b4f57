#include "pipeline/stop_signal.h"

#include <utility>

namespace orch::pipeline {

void StopSignal::request_stop(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (grace_) {
    return;
  }
  grace_ = grace;
  // Listeners run with the lock held, so that once unsubscribe() has returned its listener is
  // neither running nor going to run: the launcher's listener refers to an io_context that dies
  // right after it unsubscribes. The price is that a listener must not call back into this
  // StopSignal; the launcher's only posts a task.
  for (const auto& entry : listeners_) {
    entry.second(grace);
  }
}

std::optional<std::chrono::milliseconds> StopSignal::requested() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return grace_;
}

int StopSignal::subscribe(Listener listener) {
  std::unique_lock<std::mutex> lock(mutex_);
  const int id = next_id_++;
  if (grace_) {
    // The stop happened already and happens only once, so the listener need not be kept. It runs
    // without the lock, which also lets it call requested().
    const std::chrono::milliseconds grace = *grace_;
    lock.unlock();
    listener(grace);
    return id;
  }
  listeners_.emplace_back(id, std::move(listener));
  return id;
}

void StopSignal::unsubscribe(int id) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::erase_if(listeners_, [id](const auto& entry) { return entry.first == id; });
}

}  // namespace orch::pipeline
