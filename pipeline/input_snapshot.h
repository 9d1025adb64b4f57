#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/base/result.h"

namespace orch::pipeline {

// When long work on inputs (copying, hashing) must give up. Checked between chunks, so that a
// stop or the deadline ends the work within one chunk's time.
struct WorkLimits {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::function<bool()> stop_requested;  // empty: never

  // kDeadlineExceeded past the deadline, kAborted once a stop is requested; `doing` says what
  // was given up ("hashing <path>").
  Status check(std::string_view doing) const;
};

enum class SnapshotKind { kHardLink, kCopy };

// Puts the regular file open as `source` into the folder open as `dir`, as `name` (which must
// not exist there yet): a hard link to the very inode `source` is, when the kernel allows one
// (the same filesystem, /proc mounted, fs.protected_hardlinks satisfied); else a clone (FICLONE);
// else a copy in chunks, which keeps the source's modification time. Whatever names the source
// now, or later, the snapshot is what `source` was opened on. `what` names the input in errors.
// Fails with kUnavailable when it cannot write, or as WorkLimits::check says; a partial copy is
// removed.
Result<SnapshotKind> snapshot_file(int source, int dir, const std::string& name,
                                   const WorkLimits& limits, const std::string& what);

struct Digest {
  std::string sha256;       // lowercase hex
  std::uint64_t bytes = 0;  // how many were read
};

// SHA-256 of files, reading each from its start in chunks. One buffer serves every file, which
// matters when there are thousands. Not thread-safe.
class FileHasher {
 public:
  // What the file open as `fd` holds. Fails with kUnavailable when it cannot be read, or as
  // WorkLimits::check says.
  Result<Digest> hash(int fd, const WorkLimits& limits, const std::string& what);

 private:
  std::vector<unsigned char> buffer_;
};

}  // namespace orch::pipeline
