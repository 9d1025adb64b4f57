#include "pipeline/bounded_log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace orch::pipeline {

BoundedLog::~BoundedLog() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Status BoundedLog::open(const std::filesystem::path& path) {
  // O_CLOEXEC: another thread's child must not inherit the log of this run.
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return unavailable("cannot open the log file " + path.string() + ": " + std::strerror(errno));
  }
  return {};
}

void BoundedLog::append(const char* data, std::size_t size) {
  const std::uint64_t room = limit_ - written_;
  const std::size_t keep = static_cast<std::size_t>(std::min<std::uint64_t>(room, size));
  dropped_ += size - keep;
  if (keep == 0) {
    return;
  }
  if (!write_error_.empty()) {
    lost_ += keep;
    return;
  }
  if (!write_all(data, keep)) {
    write_error_ = std::strerror(errno);
    lost_ += keep;
    return;
  }
  written_ += keep;
  last_char_ = data[keep - 1];
}

void BoundedLog::note(const std::string& line) {
  std::string text = (written_ > 0 && last_char_ != '\n' ? "\n" : "") + line + "\n";
  if (write_all(text.data(), text.size())) {
    last_char_ = '\n';
  }
}

void BoundedLog::finish() {
  if (dropped_ > 0) {
    note("[orchestrator] log truncated: " + std::to_string(dropped_) +
         " bytes of output dropped after the first " + std::to_string(limit_) + " bytes");
  }
  if (lost_ > 0) {
    note("[orchestrator] log write failed (" + write_error_ + "): " + std::to_string(lost_) +
         " bytes of output lost");
  }
}

bool BoundedLog::write_all(const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace orch::pipeline
