#include "orchestrator/core/run_metrics.h"

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

}  // namespace

std::optional<RunMetrics> parse_run_metrics(std::string_view text) {
  auto metrics = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!metrics.is_object()) {
    return std::nullopt;
  }
  RunMetrics out;
  out.json = metrics.dump();
  out.total_loans = metric(metrics, "total_loans");
  out.exceptions_count = metric(metrics, "exceptions_count");
  return out;
}

}  // namespace orch
