#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "pipeline/process_launcher.h"

namespace orch::pipeline {

// The outcomes the launcher reports, and the one-line wording of each (launcher-internal).

ProcessOutcome failed_to_start(std::string message);
ProcessOutcome stopped_before_start();

// "0.3 s", "5 s", "1.25 s".
std::string describe_seconds(std::chrono::milliseconds duration);

// "SIGTERM" for the common signals, "signal 34" for the others.
std::string signal_name(int signal);

// How a started run ended: the leader's wait status and what, if anything, killed its group.
struct RunEnd {
  int native_status = 0;                            // waitpid()'s status of the leader
  std::string wait_error;                           // set when that status could not be collected
  std::optional<ProcessOutcome::Kind> kill_reason;  // kTimedOut or kStopped: we killed the group
  std::string stop_why;                             // the stop's reason; empty: a shutdown
  std::chrono::milliseconds timeout{0};
};

// The outcome of a run that started, without its log's figures.
ProcessOutcome ended_outcome(const RunEnd& end);

}  // namespace orch::pipeline
