#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "config/base/result.h"

namespace orch::pipeline {

// The run's log file. It keeps the first half of the limit and the last half of the pipeline's
// output, and says how much was dropped in between: the end is where an error usually is. The
// caller always drains the pipe into append(), so the child never blocks on a full pipe.
//
// Up to the limit the file is the output as it comes. Past it, the second half of the file is a
// ring that the newest output overwrites in turn, so that the memory used stays small whatever
// the limit; the first note (or finish()) puts that tail back in order behind a line saying how
// many bytes were dropped. Not thread-safe: one run's reader owns it.
class BoundedLog {
 public:
  explicit BoundedLog(std::uint64_t limit);
  // Finishes the file if finish() was not called (an exception cut the run short).
  ~BoundedLog();
  BoundedLog(const BoundedLog&) = delete;
  BoundedLog& operator=(const BoundedLog&) = delete;
  BoundedLog(BoundedLog&&) = delete;
  BoundedLog& operator=(BoundedLog&&) = delete;

  Status open(const std::filesystem::path& path);

  // Keeps the head and, in the ring, the tail of the output; counts what falls in between.
  void append(const char* data, std::size_t size);

  // Adds a line of our own, on a line of its own; it is neither bounded nor counted as output.
  // Ends the output: what is appended after the first note is only counted as dropped.
  void note(const std::string& line);

  // Puts the tail in order and appends the note on what was lost to a failed write, if any.
  void finish();

  // Bytes of output in the file (at most the limit), not counting the notes.
  std::uint64_t written() const;
  bool truncated() const { return dropped() > 0; }

 private:
  std::uint64_t dropped() const;
  // Ends the output part of the file: the tail put in order after a line on what was dropped.
  void settle();
  void rotate_tail();
  void write_line(const std::string& line);

  int fd_ = -1;
  std::filesystem::path path_;
  std::uint64_t limit_;
  std::uint64_t head_;              // the first bytes kept: half the limit
  std::uint64_t tail_;              // the last bytes kept, in the ring: the rest of the limit
  std::uint64_t total_ = 0;         // output seen before settle()
  std::uint64_t dropped_late_ = 0;  // output seen after settle()
  std::uint64_t lost_ = 0;          // kept, but the write failed
  std::uint64_t file_end_ = 0;      // where notes go once settled
  std::string write_error_;
  char last_char_ = '\n';
  bool settled_ = false;
  bool finished_ = false;
};

}  // namespace orch::pipeline
