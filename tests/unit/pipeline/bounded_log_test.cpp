#include "pipeline/bounded_log.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

using orch::testing::read_file;
using orch::testing::TempDir;

// Numbered lines, so that a byte out of place shows.
std::string output_of(std::size_t size) {
  std::string text;
  for (int line = 0; text.size() < size; ++line) {
    text += "line " + std::to_string(line) + " of the pipeline's output\n";
  }
  text.resize(size);
  return text;
}

// What the log must hold for `output` under `limit`: all of it, or the first half of the limit,
// a line on what was dropped, and the last half.
std::string expected_log(const std::string& output, std::uint64_t limit) {
  if (output.size() <= limit) {
    return output;
  }
  const std::size_t head = limit / 2;
  const std::size_t tail = limit - head;
  const std::string first = output.substr(0, head);
  return first + (first.empty() || first.back() == '\n' ? "" : "\n") +
         "[orchestrator] log truncated: " + std::to_string(output.size() - limit) +
         " bytes of output dropped here (the first " + std::to_string(head) + " and the last " +
         std::to_string(tail) + " bytes are kept)\n" + output.substr(output.size() - tail);
}

struct Case {
  std::uint64_t limit;
  std::size_t output;
  std::size_t chunk;
};

TEST(BoundedLog, KeepsTheHeadAndTheTailWithALineOnWhatWasDropped) {
  for (const Case& c : std::vector<Case>{
           {1024, 100, 7},           // under the limit: everything
           {1024, 1024, 1024},       // exactly the limit: everything, no line
           {1024, 1025, 1},          // one byte over
           {1024, 1024 + 512, 64},   // the ring filled exactly once
           {1024, 1024 + 513, 64},   // and one byte more
           {1024, 100000, 1},        // byte by byte
           {1024, 100000, 333},      // chunks across the ring's end
           {1024, 100000, 4096},     // chunks larger than the tail
           {1025, 9999, 100},        // an odd limit: the tail gets the extra byte
           {65536, 1 << 20, 65536},  // the launcher's reads
       }) {
    SCOPED_TRACE("limit " + std::to_string(c.limit) + ", output " + std::to_string(c.output) +
                 ", chunks of " + std::to_string(c.chunk));
    TempDir dir;
    const std::string output = output_of(c.output);
    BoundedLog log(c.limit);
    ASSERT_TRUE(log.open(dir / "run.log"));
    for (std::size_t pos = 0; pos < output.size(); pos += c.chunk) {
      log.append(output.data() + pos, std::min(c.chunk, output.size() - pos));
    }
    log.finish();
    EXPECT_EQ(read_file(dir / "run.log"), expected_log(output, c.limit));
    EXPECT_EQ(log.written(), std::min<std::uint64_t>(output.size(), c.limit));
    EXPECT_EQ(log.truncated(), output.size() > c.limit);
  }
}

TEST(BoundedLog, NotesFollowTheTailInOrder) {
  TempDir dir;
  const std::string output = output_of(5000) + "the error at the end";
  BoundedLog log(1024);
  ASSERT_TRUE(log.open(dir / "run.log"));
  log.append(output.data(), output.size());
  log.note("[orchestrator] timed out");
  log.finish();
  EXPECT_EQ(read_file(dir / "run.log"),
            expected_log(output, 1024) + "\n[orchestrator] timed out\n");
}

TEST(BoundedLog, UpToTheLimitTheFileIsTheOutputAsItComes) {
  TempDir dir;
  const std::string output = output_of(1000);
  BoundedLog log(1024);
  ASSERT_TRUE(log.open(dir / "run.log"));
  log.append(output.data(), output.size());
  // Before the end: a reader following the file sees the output so far.
  EXPECT_EQ(read_file(dir / "run.log"), output);
  log.finish();
  EXPECT_EQ(read_file(dir / "run.log"), output);
}

TEST(BoundedLog, AnUnfinishedLogIsPutInOrderWhenDestroyed) {
  TempDir dir;
  const std::string output = output_of(3000);
  {
    BoundedLog log(1024);
    ASSERT_TRUE(log.open(dir / "run.log"));
    log.append(output.data(), output.size());
  }
  EXPECT_EQ(read_file(dir / "run.log"), expected_log(output, 1024));
}

}  // namespace
}  // namespace orch::pipeline
