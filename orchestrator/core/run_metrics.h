#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/base/result.h"

namespace orch {

// What a pipeline reported in its RESULT_FILE.
struct RunMetrics {
  std::string json;  // the object, re-serialised compactly: what the run's `metrics` column holds
  std::optional<std::int64_t> total_loans;       // when given as an integer
  std::optional<std::int64_t> exceptions_count;  // likewise
};

// How deep arrays and objects may nest in a RESULT_FILE. Reading and writing JSON recurses once a
// level: a file of a million '[' would overflow the service's stack.
inline constexpr int kMaxMetricsDepth = 64;

// Reads the text of a RESULT_FILE. Fails with kInvalidArgument, its message saying what is wrong
// ("is not a JSON object", "nests deeper than 64 levels"), when it is not one JSON object of at
// most kMaxMetricsDepth levels. A pure function: never throws, whatever the bytes.
Result<RunMetrics> parse_run_metrics(std::string_view text);

}  // namespace orch
