#pragma once

#include "config/base/owned_fd.h"
#include "config/base/result.h"
#include "pipeline/sandbox.h"

namespace orch::pipeline {

// The Landlock ABI version the running kernel offers (1 and up), asked once per process. Fails
// with kUnavailable and a one-line reason where the kernel has no Landlock, or has it turned off.
Result<int> landlock_abi();

// A Landlock ruleset for `sandbox` at `abi`: what the kernel of that ABI can restrict is
// restricted, and only what `sandbox` lists is allowed (the kernel documentation's best-effort
// pattern: rights an older ABI lacks are dropped, never refused). It also keeps the pipeline from
// signalling, or reaching through abstract Unix sockets, any process outside its sandbox where the
// ABI can (6 and up). The descriptor is close-on-exec; orchestrator-sandbox enforces it.
// Fails with kUnavailable when the kernel refuses the ruleset or a rule.
Result<OwnedFd> landlock_ruleset(const Sandbox& sandbox, int abi);

}  // namespace orch::pipeline
