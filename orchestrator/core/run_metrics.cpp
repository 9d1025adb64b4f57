#include "orchestrator/core/run_metrics.h"

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace orch {
namespace {

std::optional<std::int64_t> metric(const nlohmann::json& metrics, const char* name) {
  auto it = metrics.find(name);
  if (it != metrics.end() && it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  return std::nullopt;
}

// Whether arrays and objects nest deeper than kMaxMetricsDepth anywhere in `text`, brackets
// inside strings aside. Checked before parsing, which is where the depth would first hurt.
bool nests_too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxMetricsDepth) {
        return true;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<RunMetrics> parse_run_metrics(std::string_view text) {
  if (nests_too_deep(text)) {
    return invalid_argument("nests deeper than " + std::to_string(kMaxMetricsDepth) + " levels");
  }
  auto metrics = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!metrics.is_object()) {
    return invalid_argument("is not a JSON object");
  }
  RunMetrics out;
  out.json = metrics.dump();
  out.total_loans = metric(metrics, "total_loans");
  out.exceptions_count = metric(metrics, "exceptions_count");
  return out;
}

}  // namespace orch
