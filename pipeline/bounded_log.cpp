#include "pipeline/bounded_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "config/base/owned_fd.h"

namespace orch::pipeline {
namespace {

constexpr std::size_t kCopyChunk = std::size_t{64} * 1024;

// An unnamed file beside the log to put the tail in order through; it goes when closed. Where
// the file system has no O_TMPFILE, a named one is unlinked at once.
int open_scratch(const std::filesystem::path& log) {
  const std::filesystem::path dir = log.has_parent_path() ? log.parent_path() : ".";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    return fd;
  }
  std::string name = (dir / ".pipeline.log.XXXXXX").string();
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) {
    ::unlink(name.c_str());
  }
  return fd;
}

bool pwrite_all(int fd, const char* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

// Copies `size` bytes from `from` at `from_offset` to `to` at `to_offset`.
bool copy_range(int from, std::uint64_t from_offset, int to, std::uint64_t to_offset,
                std::uint64_t size) {
  std::array<char, kCopyChunk> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  while (size > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, kCopyChunk));
    const ssize_t n = ::pread(from, buffer.data(), want, static_cast<off_t>(from_offset));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (n == 0) {
        errno = EIO;  // shorter than it should be
      }
      return false;
    }
    if (!pwrite_all(to, buffer.data(), static_cast<std::size_t>(n), to_offset)) {
      return false;
    }
    from_offset += static_cast<std::uint64_t>(n);
    to_offset += static_cast<std::uint64_t>(n);
    size -= static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

BoundedLog::BoundedLog(std::uint64_t limit)
    : limit_(limit), head_(limit / 2), tail_(limit - limit / 2) {}

BoundedLog::~BoundedLog() {
  if (fd_ >= 0) {
    try {
      finish();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor finishes what it can
    }
    ::close(fd_);
  }
}

Status BoundedLog::open(const std::filesystem::path& path) {
  // O_CLOEXEC: another thread's child must not inherit the log of this run.
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return unavailable("cannot open the log file " + path.string() + ": " +
                       std::generic_category().message(errno));
  }
  path_ = path;
  return {};
}

void BoundedLog::append(const char* data, std::size_t size) {
  if (size == 0) {
    return;
  }
  if (settled_) {
    dropped_late_ += size;
    return;
  }
  last_char_ = data[size - 1];
  while (size > 0) {
    std::uint64_t offset = total_;
    std::size_t n = size;
    if (total_ < limit_) {
      n = static_cast<std::size_t>(std::min<std::uint64_t>(size, limit_ - total_));
    } else if (tail_ == 0) {
      total_ += size;  // no room at all
      return;
    } else {
      if (size > tail_) {
        // Only the last `tail_` bytes of this chunk can stay in the ring.
        const std::size_t skipped = size - static_cast<std::size_t>(tail_);
        total_ += skipped;
        data += skipped;
        size -= skipped;
      }
      const std::uint64_t in_ring = (total_ - head_) % tail_;
      offset = head_ + in_ring;
      n = static_cast<std::size_t>(std::min<std::uint64_t>(size, tail_ - in_ring));
    }
    if (!write_error_.empty()) {
      lost_ += n;
    } else if (!pwrite_all(fd_, data, n, offset)) {
      write_error_ = std::generic_category().message(errno);
      lost_ += n;
    }
    total_ += n;
    data += n;
    size -= n;
  }
}

std::uint64_t BoundedLog::dropped() const {
  return (total_ > limit_ ? total_ - limit_ : 0) + dropped_late_;
}

std::uint64_t BoundedLog::written() const {
  const std::uint64_t kept = std::min(total_, limit_);
  return kept > lost_ ? kept - lost_ : 0;
}

void BoundedLog::settle() {
  if (settled_) {
    return;
  }
  settled_ = true;
  file_end_ = std::min(total_, limit_);
  if (total_ > limit_ && tail_ > 0 && write_error_.empty()) {
    rotate_tail();
  }
}

// The ring holds the last `tail_` bytes from `head_` on, the oldest at `head_ + start`: they are
// copied out in order, and written back behind the line on what was dropped.
void BoundedLog::rotate_tail() {
  const std::uint64_t start = (total_ - head_) % tail_;
  char before = '\n';
  if (head_ > 0 && ::pread(fd_, &before, 1, static_cast<off_t>(head_ - 1)) != 1) {
    before = '\n';
  }
  const std::string line = std::string(before == '\n' ? "" : "\n") +
                           "[orchestrator] log truncated: " + std::to_string(dropped()) +
                           " bytes of output dropped here (the first " + std::to_string(head_) +
                           " and the last " + std::to_string(tail_) + " bytes are kept)\n";
  OwnedFd scratch(open_scratch(path_));
  const bool copied = scratch.get() >= 0 &&
                      copy_range(fd_, head_ + start, scratch.get(), 0, tail_ - start) &&
                      copy_range(fd_, head_, scratch.get(), tail_ - start, start);
  if (!copied) {
    // The tail stays as the ring left it; the reader is told where it starts.
    file_end_ = limit_;
    write_line("[orchestrator] log truncated: " + std::to_string(dropped()) +
               " bytes of output dropped; the last " + std::to_string(tail_) +
               " bytes, from byte " + std::to_string(head_) + " on, could not be put in order (" +
               std::generic_category().message(errno) + "): they start at byte " +
               std::to_string(head_ + start));
    return;
  }
  if (::ftruncate(fd_, static_cast<off_t>(head_)) != 0 ||
      !pwrite_all(fd_, line.data(), line.size(), head_) ||
      !copy_range(scratch.get(), 0, fd_, head_ + line.size(), tail_)) {
    write_error_ = std::generic_category().message(errno);
    lost_ += tail_;
    file_end_ = head_ + line.size();
    return;
  }
  file_end_ = head_ + line.size() + tail_;
}

void BoundedLog::write_line(const std::string& line) {
  const std::string text = (file_end_ > 0 && last_char_ != '\n' ? "\n" : "") + line + "\n";
  if (pwrite_all(fd_, text.data(), text.size(), file_end_)) {
    file_end_ += text.size();
    last_char_ = '\n';
  }
}

void BoundedLog::note(const std::string& line) {
  settle();
  write_line(line);
}

void BoundedLog::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  settle();
  if (lost_ > 0) {
    write_line("[orchestrator] log write failed (" + write_error_ + "): " + std::to_string(lost_) +
               " bytes of output lost");
  }
  if (dropped_late_ > 0) {
    write_line("[orchestrator] " + std::to_string(dropped_late_) +
               " bytes of output came after the log was closed and were dropped");
  }
}

}  // namespace orch::pipeline
