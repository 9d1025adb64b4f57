#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/sandbox.h"
#include "pipeline/stop_signal.h"

namespace orch::pipeline {

struct ProcessSpec {
  std::vector<std::string> argv;           // argv[0] is searched in env's PATH unless it has '/'
  std::map<std::string, std::string> env;  // the child's whole environment: nothing inherited
  std::filesystem::path working_dir;
  std::filesystem::path log_file;  // stdout and stderr, interleaved; created/truncated
  std::uint64_t log_limit_bytes = std::uint64_t{10} * 1024 * 1024;
  std::chrono::milliseconds timeout{std::chrono::hours(1)};
  std::chrono::milliseconds kill_grace{std::chrono::seconds(5)};  // SIGTERM -> SIGKILL on timeout
  // Set: the child runs in this Landlock sandbox, entered through sandbox->helper; a kernel
  // without Landlock, or a ruleset it refuses, fails the start (kFailedToStart).
  std::optional<Sandbox> sandbox;
};

struct ProcessOutcome {
  enum class Kind {
    kExited,         // the leader exited by itself: see exit_code
    kSignaled,       // the leader died of a signal it was not sent by us: see signal
    kTimedOut,       // past the timeout; the whole group was killed
    kStopped,        // a StopSignal asked for it; the whole group was killed
    kFailedToStart,  // the command does not exist, is not executable, or could not be spawned
  };
  Kind kind = Kind::kFailedToStart;
  // The leader's exit status when it exited: set for kExited, unless its status could not be
  // collected.
  std::optional<int> exit_code;
  int signal = 0;               // valid for kSignaled
  std::string error;            // a clear one-line reason for everything but kExited 0
  std::uint64_t log_bytes = 0;  // bytes written to the log (at most the limit, plus a note)
  bool log_truncated = false;
};

// Starts pipelines. The child runs without a shell, in a process group of its own, with exactly
// the given environment. The call blocks until the leader has exited and its output is drained;
// whatever else is left in the group then is killed, so a run leaves no process behind.
// Thread-safe: several threads may run pipelines at once.
class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  virtual ProcessOutcome run(const ProcessSpec& spec, StopSignal& stop) = 0;
};

// The real launcher: posix_spawn, with Asio for the output, the exit and the timers.
std::unique_ptr<ProcessLauncher> make_posix_process_launcher();

}  // namespace orch::pipeline
