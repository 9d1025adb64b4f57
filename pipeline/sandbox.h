#pragma once

#include <filesystem>
#include <memory>
#include <vector>

namespace orch::pipeline {

class HeldPaths;  // pipeline/landlock.h

// What a sandboxed pipeline may touch: the kernel (Landlock) refuses every other file by any path.
// `read_only` paths (folders with everything beneath, or single files) may be read and executed;
// `read_write` folders may also be written: files and folders made, changed and removed (a
// single file there may be written, not removed). Nothing may be made a symbolic link or a device
// anywhere. Paths that do not exist, or are symbolic links, are left out: list what a link leads
// to instead.
struct Sandbox {
  // The small program (orchestrator-sandbox) that enters the sandbox and then execs the
  // pipeline: posix_spawn cannot run code of ours in the child.
  std::filesystem::path helper;
  std::vector<std::filesystem::path> read_only;
  std::vector<std::filesystem::path> read_write;
  // Descriptors opened once for some of those paths (every run's system folders and devices),
  // used instead of opening them anew; null: every path is opened for this run.
  std::shared_ptr<const HeldPaths> held;
};

}  // namespace orch::pipeline
