#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "config/base/owned_fd.h"
#include "config/base/result.h"
#include "pipeline/sandbox.h"

namespace orch::pipeline {

// Paths every run's sandbox grants alike, opened once (O_PATH): their rules are then added to
// each run's ruleset from the descriptor, without looking the path up again. A rule is for what
// the descriptor was opened on: a folder later replaced by another at the same path keeps the old
// one granted. So hold only what is not replaced while the service runs (the system's folders,
// the devices), never a folder of the user's that a deployment may swap. Thread-safe (const).
class HeldPaths {
 public:
  // The devices every sandbox grants, and `paths`; one that does not exist, is a symbolic link or
  // cannot be opened is not held (a run then opens it itself, as without this).
  explicit HeldPaths(const std::vector<std::filesystem::path>& paths);

  struct Held {
    int fd;
    bool directory;
  };
  // The descriptor held for exactly `path`, or nothing.
  std::optional<Held> find(const std::filesystem::path& path) const;

 private:
  struct Entry {
    std::filesystem::path path;
    OwnedFd fd;
    bool directory;
  };
  std::vector<Entry> held_;
};

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
