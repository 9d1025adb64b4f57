#include "orchestrator/core/waiting_room.h"

#include <algorithm>

#include "config/base/log.h"

namespace orch {
namespace {

// The longest the thread sleeps: the wall clock may jump, and entries come and go.
constexpr std::chrono::milliseconds kMaxSleep{1000};

// A file still being written is looked at again this soon: it is ready `input_settle_seconds`
// after its last change, which no event announces.
constexpr std::chrono::milliseconds kSettleCheck{1000};

// How long until a run that has waited `waited` is checked again when no event will say its
// inputs came: they are likeliest to come soon after the slot; a wait of hours need not cost a
// folder listing every second.
std::chrono::milliseconds backoff(std::chrono::milliseconds waited) {
  if (waited < std::chrono::minutes(1)) {
    return std::chrono::seconds(1);
  }
  if (waited < std::chrono::minutes(10)) {
    return std::chrono::seconds(5);
  }
  return std::chrono::seconds(15);
}

}  // namespace

WaitingRoom::WaitingRoom(const Clock& clock, std::chrono::seconds poll, Hooks hooks)
    : clock_(clock), poll_(poll), hooks_(std::move(hooks)), thread_([this] { loop(); }) {}

WaitingRoom::~WaitingRoom() {
  stop();
}

void WaitingRoom::add(RunRequest request, std::chrono::milliseconds after) {
  {
    std::lock_guard lock(mutex_);
    RunId id = request.waiting_run->run_id;
    entries_[id] = Entry{std::move(request), clock_.now() + after, std::nullopt, false};
  }
  wake_.notify_all();
}

std::vector<RunId> WaitingRoom::run_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<RunId> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) {
    ids.push_back(id);
  }
  return ids;
}

bool WaitingRoom::holds(const RunId& run_id) const {
  std::lock_guard lock(mutex_);
  return entries_.count(run_id) > 0;
}

void WaitingRoom::check_all_now() {
  {
    std::lock_guard lock(mutex_);
    SysTime now = clock_.now();
    for (auto& [id, entry] : entries_) {
      entry.next_check = std::min(entry.next_check, now);
    }
  }
  wake_.notify_all();
}

// From the watch's thread.
void WaitingRoom::landed(const std::filesystem::path& folder) {
  bool woken = false;
  {
    std::lock_guard lock(mutex_);
    SysTime now = clock_.now();
    for (auto& [id, entry] : entries_) {
      if (entry.folder == folder && entry.next_check > now) {
        entry.next_check = now;
        woken = true;
      }
    }
  }
  if (woken) {
    wake_.notify_all();
  }
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
  watch_.stop();
}

void WaitingRoom::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    SysTime now = clock_.now();
    std::vector<RunRequest> due = due_locked(now);
    if (due.empty()) {
      wake_.wait_for(lock, sleep_locked(now));
      continue;
    }
    // Checked without the lock: a folder listing must not hold up the heartbeat's run_ids().
    lock.unlock();
    for (RunRequest& request : due) {
      check(std::move(request), now);
    }
    lock.lock();
  }
}

std::vector<RunRequest> WaitingRoom::due_locked(SysTime now) const {
  std::vector<RunRequest> due;
  for (const auto& [id, entry] : entries_) {
    if (entry.next_check <= now) {
      due.push_back(entry.request);
    }
  }
  return due;
}

std::chrono::milliseconds WaitingRoom::sleep_locked(SysTime now) const {
  std::chrono::milliseconds sleep = kMaxSleep;
  for (const auto& [id, entry] : entries_) {
    sleep = std::min(sleep,
                     std::chrono::duration_cast<std::chrono::milliseconds>(entry.next_check - now));
  }
  return std::max(sleep, std::chrono::milliseconds(1));
}

struct WaitingRoom::Look {
  Result<pipeline::Readiness> readiness;
  bool ready = false;
  bool blocked = false;  // an upstream failed: it will never be ready
  bool expired = false;
  std::optional<std::filesystem::path> folder;
  bool watched = false;
};

void WaitingRoom::check(RunRequest request, SysTime now) {
  const RunId run_id = request.waiting_run->run_id;
  Look look{hooks_.check(request), false, false, false, std::nullopt, false};
  look.ready = look.readiness && look.readiness->ready();
  look.blocked = look.readiness && !look.readiness->blocked.empty();
  look.expired = !look.ready && (look.blocked || now >= request.wait_until);
  if (!look.ready && !look.expired && hooks_.folder) {
    // Watched before the next check is planned, so that a file landing from now on wakes it.
    look.folder = hooks_.folder(request);
    look.watched = look.folder && watch_.watch(*look.folder, run_id.str());
  }
  const Settled settled = settle(request, look, now);
  if (settled == Settled::kWaitsOn) {
    std::string reason = look.readiness ? look.readiness->describe() : std::string();
    if (look.readiness && reason != request.waiting_run->error && hooks_.still_waiting) {
      hooks_.still_waiting(request, reason);
    }
    return;
  }
  watch_.unwatch(run_id.str());
  if (settled == Settled::kLeaves) {
    let_go(std::move(request), std::move(look));
  }
}

// Under the lock: a run that waits on gets its next check planned, one that leaves is taken out;
// one taken out meanwhile is left alone.
WaitingRoom::Settled WaitingRoom::settle(const RunRequest& request, const Look& look, SysTime now) {
  const RunRecord& run = *request.waiting_run;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(run.run_id);
  if (it == entries_.end()) {
    return Settled::kTakenOut;
  }
  if (look.ready || look.expired) {
    entries_.erase(it);
    return Settled::kLeaves;
  }
  Entry& entry = it->second;
  std::chrono::milliseconds next = std::min(backoff(now - run.created_at), poll_);
  if (look.readiness && !look.readiness->unsettled.empty()) {
    next = std::min(next, kSettleCheck);
  } else if (look.watched && !entry.watched) {
    // A file may have landed between this check and the watch: one more look.
    next = std::chrono::milliseconds(0);
  } else if (look.watched && request.target.upstreams.empty()) {
    next = poll_;  // the events say when to look; the poll is the fallback
  }
  entry.folder = look.folder;
  entry.watched = look.watched;
  if (look.readiness) {
    entry.request.waiting_run->error = look.readiness->describe();  // what its row says next
  }
  // Its window's end is a check of its own: the run is recorded then, not at the poll.
  entry.next_check = std::min(now + next, std::max(now, request.wait_until));
  if (!look.readiness) {
    log::warn("waiting_run_not_checked",
              {{"run_id", run.run_id}, {"reason", look.readiness.error().message}});
  }
  return Settled::kWaitsOn;
}

void WaitingRoom::let_go(RunRequest request, Look look) const {
  if (look.ready) {
    hooks_.ready(std::move(request));
    return;
  }
  if (look.blocked) {
    hooks_.expired(std::move(request), RunStatus::kUpstreamFailed, look.readiness->blocked);
    return;
  }
  std::string why = "not ready by " + format_utc(request.wait_until) + ": " +
                    (look.readiness ? look.readiness->describe() : look.readiness.error().message);
  hooks_.expired(std::move(request), RunStatus::kMissedInputs, std::move(why));
}

}  // namespace orch
