#include "orchestrator/core/waiting_room.h"

#include <algorithm>

#include "config/base/log.h"

namespace orch {
namespace {

// The longest the thread sleeps: the wall clock may jump, and entries come and go.
constexpr std::chrono::milliseconds kMaxSleep{1000};

// How long until a run that has waited `waited` is checked again: its inputs are likeliest to
// come soon after the slot; a wait of hours need not cost a folder listing every second.
std::chrono::milliseconds check_interval(std::chrono::milliseconds waited) {
  if (waited < std::chrono::minutes(1)) {
    return std::chrono::seconds(1);
  }
  if (waited < std::chrono::minutes(10)) {
    return std::chrono::seconds(5);
  }
  return std::chrono::seconds(15);
}

}  // namespace

WaitingRoom::WaitingRoom(const Clock& clock, Hooks hooks)
    : clock_(clock), hooks_(std::move(hooks)), thread_([this] { loop(); }) {}

WaitingRoom::~WaitingRoom() {
  stop();
}

void WaitingRoom::add(RunRequest request, std::chrono::milliseconds after) {
  {
    std::lock_guard lock(mutex_);
    std::string id = request.waiting_run->run_id;
    entries_[id] = Entry{std::move(request), clock_.now() + after};
  }
  wake_.notify_all();
}

std::vector<std::string> WaitingRoom::run_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    ids.push_back(id);
  }
  return ids;
}

bool WaitingRoom::holds(const std::string& run_id) const {
  std::lock_guard lock(mutex_);
  return entries_.count(run_id) > 0;
}

void WaitingRoom::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void WaitingRoom::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    SysTime now = clock_.now();
    std::vector<RunRequest> due;
    for (const auto& [id, entry] : entries_) {
      if (entry.next_check <= now) {
        due.push_back(entry.request);
      }
    }
    if (due.empty()) {
      std::chrono::milliseconds sleep = kMaxSleep;
      for (const auto& [id, entry] : entries_) {
        sleep = std::min(
            sleep, std::chrono::duration_cast<std::chrono::milliseconds>(entry.next_check - now));
      }
      wake_.wait_for(lock, std::max(sleep, std::chrono::milliseconds(1)));
      continue;
    }
    // Checked without the lock: a folder listing must not hold up the heartbeat's run_ids().
    lock.unlock();
    for (RunRequest& request : due) {
      const RunRecord& run = *request.waiting_run;
      auto readiness = hooks_.check(request);
      const bool ready = readiness && readiness->ready();
      const bool blocked = readiness && !readiness->blocked.empty();
      const bool expired = !ready && (blocked || now >= request.wait_until);
      {
        std::lock_guard relock(mutex_);
        auto it = entries_.find(run.run_id);
        if (it == entries_.end()) {
          continue;  // taken out meanwhile
        }
        if (!ready && !expired) {
          it->second.next_check = now + check_interval(now - run.created_at);
          if (!readiness) {
            log::warn("waiting_run_not_checked",
                      {{"run_id", run.run_id}, {"reason", readiness.error().message}});
          }
          continue;
        }
        entries_.erase(it);
      }
      if (ready) {
        hooks_.ready(std::move(request));
        continue;
      }
      if (blocked) {
        hooks_.expired(std::move(request), RunStatus::kUpstreamFailed, readiness->blocked);
        continue;
      }
      std::string why = "not ready by " + format_utc(request.wait_until) + ": " +
                        (readiness ? readiness->describe() : readiness.error().message);
      hooks_.expired(std::move(request), RunStatus::kMissedInputs, std::move(why));
    }
    lock.lock();
  }
}

}  // namespace orch
