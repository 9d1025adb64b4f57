#include "pipeline/run_sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace orch::pipeline {
namespace {

// An environment entry longer than this cannot be a run marker ("RUN_ID=run_" and 16 hex digits,
// or a test's own id): only its length is followed.
constexpr std::size_t kEntryPrefix = 128;

struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;  // NOLINT(google-runtime-int): the kernel's layout
  unsigned char d_type;
  char d_name[1];  // NOLINT(modernize-avoid-c-arrays): the kernel's layout, a name of any length
};

// Whether `entry` (not NUL-terminated, `length` bytes) is RUN_ID=<one of run_ids>.
bool is_marker(const char* entry, std::size_t length, const char* const* run_ids,
               std::size_t count) {
  constexpr std::size_t kName = kRunMarkerName.size();
  if (length <= kName + 1 || std::memcmp(entry, kRunMarkerName.data(), kName) != 0 ||
      entry[kName] != '=') {
    return false;
  }
  const char* value = entry + kName + 1;
  const std::size_t value_length = length - kName - 1;
  for (std::size_t i = 0; i < count; ++i) {
    if (run_ids[i] != nullptr && std::strlen(run_ids[i]) == value_length &&
        std::memcmp(run_ids[i], value, value_length) == 0) {
      return true;
    }
  }
  return false;
}

// Whether process `pid`'s initial environment holds a marker of one of `run_ids`. The environment
// is read in chunks and split at its NULs, so an entry may span two reads.
bool carries_marker(int proc_fd, const char* pid, const char* const* run_ids, std::size_t count) {
  constexpr std::string_view kFile = "/environ";
  std::array<char, 64> path{};  // zeroed: what is copied in below ends with a NUL
  const std::string_view name(pid);
  if (name.size() + kFile.size() >= path.size()) {
    return false;
  }
  name.copy(path.data(), name.size());
  kFile.copy(path.data() + name.size(), kFile.size());
  const int fd = ::openat(proc_fd, path.data(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;  // gone, or not ours to read
  }
  std::array<char, 4096> chunk;
  std::array<char, kEntryPrefix> entry;
  std::size_t entry_length = 0;  // bytes of the current entry seen so far (may exceed the prefix)
  bool found = false;
  while (!found) {
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got <= 0) {
      break;
    }
    for (ssize_t i = 0; i < got && !found; ++i) {
      if (chunk[static_cast<std::size_t>(i)] == '\0') {
        found =
            entry_length <= kEntryPrefix && is_marker(entry.data(), entry_length, run_ids, count);
        entry_length = 0;
        continue;
      }
      if (entry_length < kEntryPrefix) {
        entry[entry_length] = chunk[static_cast<std::size_t>(i)];
      }
      ++entry_length;
    }
  }
  ::close(fd);
  return found;
}

bool parse_pid(const char* name, pid_t& pid) {
  pid = 0;
  if (*name == '\0') {
    return false;
  }
  for (const char* c = name; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9' || pid > 100000000) {
      return false;
    }
    pid = pid * 10 + (*c - '0');
  }
  return pid > 0;
}

}  // namespace

int sweep_run_processes(const char* const* run_ids, std::size_t count) {
  if (count == 0) {
    return 0;
  }
  const int proc_fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd < 0) {
    return 0;
  }
  const pid_t self = ::getpid();
  const pid_t own_group = ::getpgrp();
  int signalled = 0;
  alignas(LinuxDirent64) std::array<char, 8192> buffer;
  while (true) {
    const std::int64_t got = ::syscall(SYS_getdents64, proc_fd, buffer.data(), buffer.size());
    if (got <= 0) {
      break;
    }
    for (std::int64_t offset = 0; offset < got;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer.data() + offset);
      offset += entry->d_reclen;
      pid_t pid = 0;
      if (!parse_pid(entry->d_name, pid) || pid == self ||
          !carries_marker(proc_fd, entry->d_name, run_ids, count)) {
        continue;
      }
      const pid_t group = ::getpgid(pid);
      if (group > 1 && group != own_group) {
        ::kill(-group, SIGKILL);
      }
      ::kill(pid, SIGKILL);
      ++signalled;
    }
  }
  ::close(proc_fd);
  return signalled;
}

}  // namespace orch::pipeline
