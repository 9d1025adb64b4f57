#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "config/base/owned_fd.h"

namespace orch::pipeline {

// Opens `name` below the folder `dir` with the kernel's own check on the way (openat2, Linux
// 5.6): with RESOLVE_BENEATH the kernel refuses any resolution that leaves `dir`, by "..", an
// absolute symlink or a symlink leading out (EXDEV), and it retries itself when a rename races
// the walk; with RESOLVE_NO_SYMLINKS it refuses any symlink at all (ELOOP). `flags` are open(2)
// flags (O_CLOEXEC is added); magic links (/proc/self/fd/N) are never followed. Returns the
// descriptor, or -1 with errno set (ENOSYS without openat2).
int open_below(int dir, const char* name, int flags, std::uint64_t resolve);

// open_below() of a folder (O_PATH), created first when missing: mkdirat never follows a symlink
// in the last component, and `dir` is already checked, so nothing is created outside it.
OwnedFd open_folder_below(int dir, const char* name, std::uint64_t resolve);

// The path of an open file or folder as the kernel knows it: absolute, every symlink resolved,
// of the name it was opened by. std::nullopt when /proc cannot say.
std::optional<std::filesystem::path> descriptor_path(int fd);

}  // namespace orch::pipeline
