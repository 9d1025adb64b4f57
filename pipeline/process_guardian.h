#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/base/result.h"

namespace orch::pipeline {

// A small process that outlives this one by a moment: when this process dies, whatever way (kill
// -9 included), the guardian kills every pipeline it still had running, with their process
// groups and whatever carries their run's marker (run_sweep.h), then exits. So no pipeline
// outlives its service, and a restarted service never runs a slot beside the old attempt.
//
// The guardian is forked, not executed, and hears of runs over a socket whose other end only
// this process holds (close-on-exec, so no pipeline inherits it): the kernel closes that end when
// this process dies, and the guardian reads end-of-file. A clean stop closes it too, once no run
// is left. Thread-safe.
class ProcessGuardian {
 public:
  // Forks the guardian. Safe from a multi-threaded process: the child touches only memory it
  // maps itself and makes only async-signal-safe system calls.
  static Result<std::unique_ptr<ProcessGuardian>> start();

  // Closes the channel and waits for the guardian to exit.
  ~ProcessGuardian();
  ProcessGuardian(const ProcessGuardian&) = delete;
  ProcessGuardian& operator=(const ProcessGuardian&) = delete;
  ProcessGuardian(ProcessGuardian&&) = delete;
  ProcessGuardian& operator=(ProcessGuardian&&) = delete;

  // Before a run's process is started: from now on, should this process die, the guardian
  // sweeps for processes marked with `run_id`. Empty run ids are not tracked.
  void guard(std::string_view run_id);
  // Once it is started: the guardian also kills process group `group` outright.
  void watch(std::string_view run_id, pid_t group);
  // Once the run's processes are gone.
  void release(std::string_view run_id);

  // The guardian's pid (for tests and the log).
  pid_t pid() const;

 private:
  ProcessGuardian(int channel, pid_t pid) : channel_(channel), pid_(pid) {}
  // Replaces a guardian that could not be told (it died, killed by hand), and tells the new one
  // every run the one before knew.
  void restart_locked();

  mutable std::mutex mutex_;
  int channel_;
  pid_t pid_;
  std::map<std::string, pid_t> runs_;  // what the guardian knows: run id -> group (0: starting)
};

}  // namespace orch::pipeline
