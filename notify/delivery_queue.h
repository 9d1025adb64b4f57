#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "config/base/clock.h"
#include "notify/delivery.h"

namespace orch::notify {

struct DeliveryQueueSettings {
  std::size_t capacity = 1000;                    // deliveries waiting, at most
  int max_attempts = 5;                           // tries in all
  std::chrono::milliseconds initial_delay{2000};  // before the first retry; doubles
  std::chrono::milliseconds max_delay{60000};     // the longest wait between tries
  int workers = 2;                                // deliveries in flight at once
};

// Sends deliveries on its own threads, so that a slow or dead mail server or webhook never
// delays a run: push() only queues. Failed attempts worth retrying are retried with exponential
// backoff and jitter up to max_attempts; a delivery that finally fails is logged with its reason.
// Every delivery is recorded with `recorder` (may be null). Thread-safe.
class DeliveryQueue {
 public:
  DeliveryQueue(const DeliveryQueueSettings& settings, DeliveryRecorder* recorder,
                const Clock& clock);
  // Stops at once (drain with no grace).
  ~DeliveryQueue();
  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;
  DeliveryQueue(DeliveryQueue&&) = delete;
  DeliveryQueue& operator=(DeliveryQueue&&) = delete;

  // Queues a delivery; never blocks on the network. When the queue is full the delivery is
  // dropped: logged at once and recorded `dropped`. Returns whether it was queued.
  bool push(Delivery delivery);

  // Waits up to `grace` for every queued delivery (retries included) to end, then stops: what
  // is still waiting is recorded `failed` ("not sent before the stop"). An attempt in flight is
  // allowed to finish (it is bounded by its channel's timeout). Later pushes are dropped.
  void drain(std::chrono::milliseconds grace);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace orch::notify
