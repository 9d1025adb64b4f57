#pragma once

// Internal to orchestrator/store: where a SQLite database lives, checked by its path.

#include <cstdint>
#include <optional>
#include <string>

#include "config/base/result.h"

namespace orch::store {

// Which file a path named when it was looked at (a file is its device and inode number: a file
// moved over the path, or a copy of the old one, is another file).
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// What `path` names now: std::nullopt when nothing does (the file or a folder on its way is
// missing); kUnavailable when the path cannot be looked at (permissions, I/O).
Result<std::optional<FileIdentity>> identify_file(const std::string& path);

// kUnavailable, "database not found: PATH (create it with orchestrator migrate)", for a command
// that must not create the database.
Error database_not_found(const std::string& path);

// Whether `path` still names the file `opened`: kFailedPrecondition saying that it was removed
// (nothing there now) or replaced (another file there now), naming the path. A path that cannot
// be looked at passes: only what is seen to be wrong stops a service.
Status check_same_file(const std::string& path, const FileIdentity& opened);

}  // namespace orch::store
