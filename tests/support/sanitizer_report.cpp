#include "tests/support/sanitizer_report.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <system_error>

#include <gtest/gtest.h>

namespace orch::testing {

namespace {

// The first line of each kind of report: AddressSanitizer and LeakSanitizer ("==PID==ERROR:
// AddressSanitizer: heap-use-after-free ...") and UndefinedBehaviorSanitizer ("file:line:col:
// runtime error: ...").
constexpr std::array<std::string_view, 3> kMarkers{"ERROR: AddressSanitizer",
                                                   "ERROR: LeakSanitizer", ": runtime error: "};
// Enough for the report's first stacks; the rest is in the file while the test runs.
constexpr std::size_t kMaxQuoted = 6000;
constexpr std::size_t kMaxLineStart = 300;
// How much of a file's start and of its end is read. A report ends the output of the process that
// prints it, so it is at the end of that process's file (a run log keeps its head and tail), and
// the tests' inputs include sparse files of gigabytes that must not be read whole.
constexpr std::streamoff kEdgeBytes = 1 << 20;

// The first and the last kEdgeBytes of `path` (all of it when it is smaller).
std::string edges_of(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in.tellg();
  if (!in || size <= 0) {
    return "";
  }
  auto read_at = [&](std::streamoff from, std::streamoff bytes) {
    std::string chunk(static_cast<std::size_t>(bytes), '\0');
    in.seekg(from);
    in.read(chunk.data(), bytes);
    chunk.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    in.clear();
    return chunk;
  };
  if (size <= 2 * kEdgeBytes) {
    return read_at(0, size);
  }
  return read_at(0, kEdgeBytes) + "\n" + read_at(size - kEdgeBytes, kEdgeBytes);
}

}  // namespace

std::string sanitizer_report_in(std::string_view text) {
  std::size_t first = std::string_view::npos;
  for (auto marker : kMarkers) {
    first = std::min(first, text.find(marker));
  }
  if (first == std::string_view::npos) {
    return "";
  }
  // From the start of the marker's line ("==PID==", "file:line:col"), not far before the marker.
  const std::size_t earliest = first > kMaxLineStart ? first - kMaxLineStart : 0;
  auto line_start = text.rfind('\n', first);
  auto start = line_start == std::string_view::npos ? 0 : line_start + 1;
  start = std::max(start, earliest);
  return std::string(text.substr(start, kMaxQuoted));
}

void expect_no_sanitizer_report_under(const std::filesystem::path& dir) {
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) {
      continue;
    }
    auto report = sanitizer_report_in(edges_of(it->path()));
    if (!report.empty()) {
      ADD_FAILURE() << "a sanitizer report in " << it->path().string() << ":\n" << report;
    }
  }
}

}  // namespace orch::testing
