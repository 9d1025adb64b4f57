#pragma once

#include <cstddef>
#include <string_view>

namespace orch::pipeline {

// The environment entry that marks every process of a run: its pipeline is started with it, and
// whatever the pipeline starts inherits it, including processes that leave its process group.
inline constexpr std::string_view kRunMarkerName = "RUN_ID";

// Kills with SIGKILL every process of this host (that this user may signal) whose environment
// holds RUN_ID=<id> for one of `run_ids`, and the process group it leads or belongs to. This is
// how a pipeline whose service died is found without trusting a recorded pid, which the kernel
// may have given to another process since: a run id is random and never reused.
// Async-signal-safe (raw system calls and caller-provided memory only), so that the process
// guardian may call it in a child forked from a multi-threaded service. Never kills the calling
// process or its group. Returns how many processes it signalled.
int sweep_run_processes(const char* const* run_ids, std::size_t count);

}  // namespace orch::pipeline
