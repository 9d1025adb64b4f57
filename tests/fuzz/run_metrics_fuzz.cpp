// The RESULT_FILE reader: never a crash or an exception, whatever a pipeline writes; what it
// keeps is a JSON object that reads back to the same metrics (so the stored column is valid).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "orchestrator/core/run_metrics.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto metrics = orch::parse_run_metrics(text);
  if (!metrics) {
    FUZZ_CHECK(metrics.error().message.find('\n') == std::string::npos);
    return 0;
  }
  FUZZ_CHECK(!metrics->json.empty() && metrics->json.front() == '{');
  auto again = orch::parse_run_metrics(metrics->json);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->json == metrics->json);
  FUZZ_CHECK(again->total_loans == metrics->total_loans);
  FUZZ_CHECK(again->exceptions_count == metrics->exceptions_count);
  return 0;
}
