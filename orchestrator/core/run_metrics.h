#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace orch {

// What a pipeline reported in its RESULT_FILE.
struct RunMetrics {
  std::string json;  // the object, re-serialised compactly: what the run's `metrics` column holds
  std::optional<std::int64_t> total_loans;       // when given as an integer
  std::optional<std::int64_t> exceptions_count;  // likewise
};

// Reads the text of a RESULT_FILE. std::nullopt when it is not one JSON object (the caller says
// so in the run's error). A pure function: never throws, whatever the bytes.
std::optional<RunMetrics> parse_run_metrics(std::string_view text);

}  // namespace orch
