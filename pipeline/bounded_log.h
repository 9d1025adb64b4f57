#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "config/base/result.h"

namespace orch::pipeline {

// The run's log file. It takes the pipeline's output up to a limit and counts what it drops past
// it: the caller always drains the pipe into append(), so the child never blocks on a full pipe.
class BoundedLog {
 public:
  explicit BoundedLog(std::uint64_t limit) : limit_(limit) {}
  ~BoundedLog();
  BoundedLog(const BoundedLog&) = delete;
  BoundedLog& operator=(const BoundedLog&) = delete;

  Status open(const std::filesystem::path& path);

  // Keeps what fits under the limit and counts the rest as dropped.
  void append(const char* data, std::size_t size);

  // Adds a line of our own, on a line of its own; it is neither bounded nor counted as output.
  void note(const std::string& line);

  // Appends the notes on what did not make it into the file.
  void finish();

  std::uint64_t written() const { return written_; }
  bool truncated() const { return dropped_ > 0; }

 private:
  bool write_all(const char* data, std::size_t size);

  int fd_ = -1;
  std::uint64_t limit_;
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;  // past the limit
  std::uint64_t lost_ = 0;     // within the limit, but the write failed
  std::string write_error_;
  char last_char_ = '\n';
};

}  // namespace orch::pipeline
