#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/base/clock.h"
#include "orchestrator/core/input_watch.h"
#include "orchestrator/core/run_executor.h"

namespace orch {

// The runs this service holds `waiting` for their inputs. It checks each on a thread of its own
// as soon as a file lands in its input folder (inotify), and else by a poll: every `poll` where
// the folder is watched, and where it is not (or the run also waits for other runs) more often
// while the wait is young (every second for the first minute, every 5 s until ten minutes, then
// every 15 s; never less often than `poll`). A file still being written is checked every second
// until it has settled. Hands over the runs that are ready or past their window. A waiting run
// holds no worker and no process, only its entry here and its row.
class WaitingRoom {
 public:
  struct Hooks {
    // Whether the request's inputs are ready now.
    std::function<Result<pipeline::Readiness>(const RunRequest&)> check;
    // The folder its inputs land in, to watch; std::nullopt: none (it is polled).
    std::function<std::optional<std::filesystem::path>(const RunRequest&)> folder;
    // Its inputs are ready: run it. The entry is gone from the room.
    std::function<void(RunRequest)> ready;
    // Its window closed with inputs still missing (kMissedInputs), or a run it waits for ended
    // without completing (kUpstreamFailed); `why` says which. The entry is gone.
    std::function<void(RunRequest, RunStatus status, std::string why)> expired;
    // It waits on, for something else than its row says (a run it waited for ended, a file came
    // but is still being written): `reason` is what it waits for now. The entry stays.
    std::function<void(const RunRequest&, const std::string& reason)> still_waiting;
  };

  WaitingRoom(const Clock& clock, std::chrono::seconds poll, Hooks hooks);
  ~WaitingRoom();
  WaitingRoom(const WaitingRoom&) = delete;
  WaitingRoom& operator=(const WaitingRoom&) = delete;
  WaitingRoom(WaitingRoom&&) = delete;
  WaitingRoom& operator=(WaitingRoom&&) = delete;

  // Holds `request` (its waiting_run and wait_until set) and checks it first `after` from now.
  // A run held already is replaced.
  void add(RunRequest request, std::chrono::milliseconds after = std::chrono::milliseconds(0));

  // The ids of the runs held: what the heartbeat keeps alive.
  std::vector<RunId> run_ids() const;
  bool holds(const RunId& run_id) const;

  // Checks every run held at once (e.g. its pipeline was resumed).
  void check_all_now();

  // Ends the thread; the runs stay `waiting` in the database for the next start to take up.
  void stop();

 private:
  struct Entry {
    RunRequest request;
    SysTime next_check;
    std::optional<std::filesystem::path> folder;  // looked up at its first check
    bool watched = false;                         // a file landing there wakes it
  };
  struct Look;  // what one check of a run found
  void loop();
  std::vector<RunRequest> due_locked(SysTime now) const;
  std::chrono::milliseconds sleep_locked(SysTime now) const;
  void check(RunRequest request, SysTime now);
  enum class Settled { kWaitsOn, kTakenOut, kLeaves };
  Settled settle(const RunRequest& request, const Look& look, SysTime now);
  void let_go(RunRequest request, Look look) const;
  void landed(const std::filesystem::path& folder);

  const Clock& clock_;
  const std::chrono::milliseconds poll_;
  Hooks hooks_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<RunId, Entry> entries_;
  bool stopping_ = false;
  InputWatch watch_{[this](const std::filesystem::path& folder) { landed(folder); }};
  std::thread thread_;  // last: it uses everything above
};

}  // namespace orch
