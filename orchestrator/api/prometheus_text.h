#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::api {

using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Writes the Prometheus text exposition format (version 0.0.4): each family's HELP and TYPE
// once, then its samples, label values escaped. Not thread-safe; one per scrape.
class PrometheusText {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Starts a family. Requires: each name once per exposition, and its samples right after.
  void family(std::string_view name, std::string_view help, Type type);
  void sample(std::string_view name, const Labels& labels, double value);

  // A histogram's samples (_bucket for each bound and +Inf, _sum, _count) from cumulative
  // bucket counts: counts[i] observations at or below bounds[i]; `count` in all.
  void histogram(std::string_view name, const Labels& labels, std::span<const double> bounds,
                 std::span<const std::uint64_t> cumulative, double sum, std::uint64_t count);

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// A value as the format writes it: integers without a fraction, NaN and infinities by name.
std::string format_sample_value(double value);

}  // namespace orch::api
