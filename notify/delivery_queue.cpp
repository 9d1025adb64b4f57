#include "notify/delivery_queue.h"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "config/base/log.h"
#include "notify/retry_rule.h"

namespace orch::notify {

using SteadyTime = std::chrono::steady_clock::time_point;
using std::chrono::milliseconds;

namespace {

struct Waiting {
  Delivery delivery;
  SteadyTime due;
};

log::Fields fields(const DeliveryRecord& r) {
  log::Fields f{{"event", r.event}, {"channel", r.channel}, {"target", r.target}};
  if (r.run_id) {
    f.emplace_back("run_id", r.run_id->str());
  }
  f.emplace_back("attempts", std::to_string(r.attempts));
  return f;
}

}  // namespace

struct DeliveryQueue::State {
  State(const DeliveryQueueSettings& s, DeliveryRecorder* r, const Clock& c)
      : settings(s), recorder(r), clock(c), random(std::random_device{}()) {}

  DeliveryQueueSettings settings;
  DeliveryRecorder* recorder;
  const Clock& clock;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Waiting> waiting;        // queued and between retries
  std::deque<DeliveryRecord> dropped;  // to be recorded by a worker
  int in_flight = 0;
  bool closed = false;    // no more pushes (draining)
  bool stopping = false;  // workers quit
  std::mt19937_64 random;
  std::vector<std::thread> workers;

  // Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of
  // many deliveries to one dead server spread out instead of arriving together.
  milliseconds backoff(int attempts) {
    auto delay = settings.initial_delay;
    for (int i = 1; i < attempts && delay < settings.max_delay; ++i) {
      delay *= 2;
    }
    delay = std::min(delay, settings.max_delay);
    std::uniform_int_distribution<std::int64_t> jitter(0, delay.count() / 2);
    return milliseconds(delay.count() - delay.count() / 2 + jitter(random));
  }

  void record_new(DeliveryRecord& r) const {
    if (recorder == nullptr) {
      return;
    }
    auto id = recorder->add(r);
    if (!id) {
      log::warn("notification_not_recorded",
                {{"event", r.event}, {"channel", r.channel}, {"reason", id.error().message}});
      return;
    }
    r.id = *id;
  }

  void record_update(const DeliveryRecord& r) const {
    if (recorder == nullptr || r.id == 0) {
      return;
    }
    if (auto ok = recorder->update(r); !ok) {
      log::warn("notification_not_recorded",
                {{"event", r.event}, {"channel", r.channel}, {"reason", ok.error().message}});
    }
  }

  // Takes the next due delivery, or a dropped one to record; false when stopping.
  bool next(std::unique_lock<std::mutex>& lock, std::optional<Delivery>& due,
            std::optional<DeliveryRecord>& drop) {
    while (true) {
      if (stopping) {
        return false;
      }
      if (!dropped.empty()) {
        drop = std::move(dropped.front());
        dropped.pop_front();
        ++in_flight;
        return true;
      }
      auto earliest = std::min_element(waiting.begin(), waiting.end(),
                                       [](auto& a, auto& b) { return a.due < b.due; });
      if (earliest == waiting.end()) {
        changed.wait(lock);
        continue;
      }
      if (earliest->due <= std::chrono::steady_clock::now()) {
        due = std::move(earliest->delivery);
        waiting.erase(earliest);
        ++in_flight;
        return true;
      }
      // A copy: wait_until reads its deadline again after waking, and a push while it waits may
      // have moved `waiting`'s elements (a use-after-free AddressSanitizer caught).
      const SteadyTime due_at = earliest->due;
      changed.wait_until(lock, due_at);
    }
  }

  void attempt(Delivery& d) {
    DeliveryRecord& r = d.record;
    if (r.id == 0) {
      record_new(r);
    }
    Status sent = internal_error("no attempt made");
    try {
      sent = d.attempt();
    } catch (const std::exception& e) {  // a last resort: one delivery never ends a thread
      sent = internal_error(e.what());
    }
    ++r.attempts;
    r.updated_at = clock.now();
    if (sent) {
      r.status = DeliveryStatus::kSent;
      r.sent_at = r.updated_at;
      r.last_error.clear();
      record_update(r);
      log::info("notification_sent", fields(r));
      return;
    }
    r.last_error = sent.error().message;
    bool retry = worth_retrying(sent.error().code) && r.attempts < settings.max_attempts;
    if (retry) {
      auto delay = backoff(r.attempts);
      record_update(r);
      auto f = fields(r);
      f.emplace_back("retry_in_ms", std::to_string(delay.count()));
      f.emplace_back("reason", r.last_error);
      log::warn("notification_retry", f);
      std::lock_guard guard(mutex);
      if (!stopping) {
        waiting.push_back({std::move(d), std::chrono::steady_clock::now() + delay});
        return;
      }
    }
    r.status = DeliveryStatus::kFailed;
    record_update(r);
    auto f = fields(r);
    f.emplace_back("reason", r.last_error);
    log::error("notification_failed", f);
  }

  void work() {
    while (true) {
      std::optional<Delivery> due;
      std::optional<DeliveryRecord> drop;
      {
        std::unique_lock lock(mutex);
        if (!next(lock, due, drop)) {
          return;
        }
      }
      if (drop) {
        record_new(*drop);
      } else {
        attempt(*due);
      }
      {
        std::lock_guard lock(mutex);
        --in_flight;
      }
      changed.notify_all();
    }
  }
};

DeliveryQueue::DeliveryQueue(const DeliveryQueueSettings& settings, DeliveryRecorder* recorder,
                             const Clock& clock)
    : state_(std::make_unique<State>(settings, recorder, clock)) {
  for (int i = 0; i < std::max(1, settings.workers); ++i) {
    state_->workers.emplace_back([s = state_.get()] { s->work(); });
  }
}

DeliveryQueue::~DeliveryQueue() {
  try {
    drain(milliseconds(0));
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw, and a queue that
                   // cannot stop cleanly (a thread that will not join) has nobody left to tell
  }
}

bool DeliveryQueue::push(Delivery delivery) {
  State& s = *state_;
  DeliveryRecord& r = delivery.record;
  r.created_at = r.updated_at = s.clock.now();
  {
    std::lock_guard lock(s.mutex);
    if (!s.closed && s.waiting.size() < s.settings.capacity) {
      s.waiting.push_back({std::move(delivery), std::chrono::steady_clock::now()});
      s.changed.notify_all();
      return true;
    }
    r.status = DeliveryStatus::kDropped;
    r.last_error = s.closed ? "not sent: the service is stopping"
                            : "not sent: the notification queue is full (" +
                                  std::to_string(s.settings.capacity) + " waiting)";
    // Recording is a database write: a worker does it, never the run's thread. Past the queue's
    // own size the log line is the only record.
    if (!s.closed && s.dropped.size() < s.settings.capacity) {
      s.dropped.push_back(r);
      s.changed.notify_all();
    }
  }
  auto f = fields(r);
  f.emplace_back("reason", r.last_error);
  log::error("notification_dropped", f);
  return false;
}

void DeliveryQueue::drain(milliseconds grace) {
  State& s = *state_;
  std::vector<Waiting> left;
  std::vector<DeliveryRecord> dropped;
  {
    std::unique_lock lock(s.mutex);
    if (s.workers.empty()) {
      return;
    }
    s.closed = true;
    s.changed.notify_all();
    s.changed.wait_for(lock, grace,
                       [&s] { return s.waiting.empty() && s.dropped.empty() && s.in_flight == 0; });
    s.stopping = true;
    left = std::move(s.waiting);
    s.waiting.clear();
    dropped.assign(std::make_move_iterator(s.dropped.begin()),
                   std::make_move_iterator(s.dropped.end()));
    s.dropped.clear();
  }
  s.changed.notify_all();
  for (auto& worker : s.workers) {
    worker.join();
  }
  s.workers.clear();
  for (auto& r : dropped) {
    s.record_new(r);
  }
  for (auto& w : left) {
    DeliveryRecord& r = w.delivery.record;
    r.status = DeliveryStatus::kFailed;
    r.updated_at = s.clock.now();
    std::string reason = "not sent before the stop (notify.stop_grace_seconds)";
    r.last_error = r.last_error.empty() ? reason : reason + "; last error: " + r.last_error;
    if (r.id == 0) {
      s.record_new(r);
    } else {
      s.record_update(r);
    }
    auto f = fields(r);
    f.emplace_back("reason", r.last_error);
    log::error("notification_failed", f);
  }
}

}  // namespace orch::notify
