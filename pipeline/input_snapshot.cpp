#include "pipeline/input_snapshot.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>

#include <linux/fs.h>
#include <nettle/sha2.h>

#include "config/base/owned_fd.h"

namespace orch::pipeline {
namespace {

// A chunk is what runs between two looks at the deadline and the stop: at a few hundred MB/s of
// SHA-256, a few milliseconds.
constexpr std::size_t kHashChunkBytes = std::size_t{1} << 20;
constexpr std::size_t kCopyChunkBytes = std::size_t{16} << 20;

std::string reason(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string to_hex(const unsigned char* bytes, unsigned length) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{2} * length);
  for (unsigned i = 0; i < length; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

// Copies with copy_file_range (in the kernel, and sharing extents where the filesystem can).
// Returns false, having copied nothing, where the two files' filesystems cannot.
Result<bool> copy_in_kernel(int source, int out, const WorkLimits& limits, const std::string& doing,
                            const std::string& what) {
  off_t in_offset = 0;
  for (;;) {
    if (Status s = limits.check(doing); !s) {
      return s.error();
    }
    ssize_t n = ::copy_file_range(source, &in_offset, out, nullptr, kCopyChunkBytes, 0);
    if (n == 0) {
      return true;
    }
    if (n > 0 || errno == EINTR) {
      continue;
    }
    // Across filesystems, or on one that cannot: copy through user space, from the start.
    if (in_offset == 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                           errno == EOPNOTSUPP || errno == EPERM)) {
      return false;
    }
    return unavailable("cannot copy input " + what + ": " + reason(errno));
  }
}

// Copies through a buffer, from the start.
Status copy_through_buffer(int source, int out, const WorkLimits& limits, const std::string& doing,
                           const std::string& what) {
  off_t in_offset = 0;
  std::vector<char> buffer(kHashChunkBytes);
  for (;;) {
    if (Status s = limits.check(doing); !s) {
      return s;
    }
    ssize_t n = ::pread(source, buffer.data(), buffer.size(), in_offset);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return unavailable("cannot read input " + what + ": " + reason(errno));
    }
    if (n == 0) {
      return {};
    }
    in_offset += n;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno != EINTR) {
        return unavailable("cannot copy input " + what + ": " + reason(errno));
      }
      done += w > 0 ? w : 0;
    }
  }
}

// Copies in the kernel where it can, else through a buffer. `out` is empty and new.
Status copy_contents(int source, int out, const WorkLimits& limits, const std::string& what) {
  const std::string doing = "copying " + what + " into the run folder";
  auto copied = copy_in_kernel(source, out, limits, doing, what);
  if (!copied) {
    return copied.error();
  }
  if (*copied) {
    return {};
  }
  return copy_through_buffer(source, out, limits, doing, what);
}

}  // namespace

Status WorkLimits::check(std::string_view doing) const {
  if (stop_requested && stop_requested()) {
    return Error{ErrorCode::kAborted, "stopped while " + std::string(doing)};
  }
  if (deadline && std::chrono::steady_clock::now() >= *deadline) {
    return Error{ErrorCode::kDeadlineExceeded,
                 "the pipeline timeout passed while " + std::string(doing)};
  }
  return {};
}

Result<SnapshotKind> snapshot_file(int source, int dir, const std::string& name,
                                   const WorkLimits& limits, const std::string& what) {
  // linkat() of a descriptor by its /proc link links the open inode itself, not whatever its
  // name leads to now.
  const std::string proc = "/proc/self/fd/" + std::to_string(source);
  if (::linkat(AT_FDCWD, proc.c_str(), dir, name.c_str(), AT_SYMLINK_FOLLOW) == 0) {
    return SnapshotKind::kHardLink;
  }
  if (errno == EEXIST) {
    return unavailable("cannot snapshot input " + what + ": " + name +
                       " is already in the run folder");
  }
  OwnedFd out(
      ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!out.valid()) {
    return unavailable("cannot snapshot input " + what + ": " + reason(errno));
  }
  Status copied;
  if (::ioctl(out.get(), FICLONE, source) != 0) {
    copied = copy_contents(source, out.get(), limits, what);
  }
  struct stat st {};
  if (copied && ::fstat(source, &st) == 0) {
    const std::array<timespec, 2> times = {st.st_atim, st.st_mtim};
    (void)::futimens(out.get(), times.data());  // only the recorded time suffers, not the run
  }
  if (!copied) {
    ::unlinkat(dir, name.c_str(), 0);
    return copied.error();
  }
  return SnapshotKind::kCopy;
}

Result<Digest> FileHasher::hash(int fd, const WorkLimits& limits, const std::string& what) {
  sha256_ctx ctx{};
  sha256_init(&ctx);
  buffer_.resize(kHashChunkBytes);
  const std::string doing = "hashing input " + what;
  Digest digest;
  for (;;) {
    if (Status s = limits.check(doing); !s) {
      return s.error();
    }
    ssize_t n = ::pread(fd, buffer_.data(), buffer_.size(), static_cast<off_t>(digest.bytes));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return unavailable("cannot read input " + what + ": " + reason(errno));
    }
    if (n == 0) {
      break;
    }
    sha256_update(&ctx, static_cast<std::size_t>(n), buffer_.data());
    digest.bytes += static_cast<std::uint64_t>(n);
  }
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> md{};
  sha256_digest(&ctx, md.size(), md.data());
  digest.sha256 = to_hex(md.data(), static_cast<unsigned>(md.size()));
  return digest;
}

}  // namespace orch::pipeline
