#include "pipeline/open_below.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>

#include <linux/openat2.h>

namespace orch::pipeline {

int open_below(int dir, const char* name, int flags, std::uint64_t resolve) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = resolve | RESOLVE_NO_MAGICLINKS;
  std::int64_t fd = -1;
  // EAGAIN: a rename elsewhere on the filesystem raced the walk, and the kernel would rather
  // start again than vouch for it.
  for (int tries = 0; tries < 64; ++tries) {
    fd = ::syscall(SYS_openat2, dir, name, &how, sizeof how);
    if (fd >= 0 || (errno != EINTR && errno != EAGAIN)) {
      break;
    }
  }
  return static_cast<int>(fd);
}

OwnedFd open_folder_below(int dir, const char* name, std::uint64_t resolve) {
  int fd = open_below(dir, name, O_PATH | O_DIRECTORY, resolve);
  if (fd < 0 && errno == ENOENT && (::mkdirat(dir, name, 0777) == 0 || errno == EEXIST)) {
    fd = open_below(dir, name, O_PATH | O_DIRECTORY, resolve);
  }
  return OwnedFd(fd);
}

std::optional<std::filesystem::path> descriptor_path(int fd) {
  std::array<char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): readlink fills
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t size = ::readlink(link.c_str(), buffer.data(), buffer.size());
  if (size <= 0 || static_cast<std::size_t>(size) >= buffer.size() || buffer[0] != '/') {
    return std::nullopt;
  }
  return std::filesystem::path(std::string(buffer.data(), static_cast<std::size_t>(size)));
}

}  // namespace orch::pipeline
