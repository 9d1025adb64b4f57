#include "orchestrator/api/prometheus_text.h"

#include <array>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace orch::api {
namespace {

TEST(PrometheusText, WritesFamiliesSamplesAndEscapedLabels) {
  PrometheusText out;
  out.family("x_total", "Help with a \\ and a\nnewline.", PrometheusText::Type::kCounter);
  out.sample("x_total", {{"team", "a\"b\\c\nd"}, {"pipeline", "daily"}}, 3);
  out.sample("x_total", {}, 0.25);
  EXPECT_EQ(out.take(),
            "# HELP x_total Help with a \\\\ and a\\nnewline.\n"
            "# TYPE x_total counter\n"
            "x_total{team=\"a\\\"b\\\\c\\nd\",pipeline=\"daily\"} 3\n"
            "x_total 0.25\n");
}

TEST(PrometheusText, WritesAHistogramWithCumulativeBuckets) {
  PrometheusText out;
  std::array<double, 2> bounds = {0.5, 2};
  std::array<std::uint64_t, 2> cumulative = {1, 3};
  out.histogram("d_seconds", {{"team", "1"}}, bounds, cumulative, 4.5, 4);
  EXPECT_EQ(out.take(),
            "d_seconds_bucket{team=\"1\",le=\"0.5\"} 1\n"
            "d_seconds_bucket{team=\"1\",le=\"2\"} 3\n"
            "d_seconds_bucket{team=\"1\",le=\"+Inf\"} 4\n"
            "d_seconds_sum{team=\"1\"} 4.5\n"
            "d_seconds_count{team=\"1\"} 4\n");
}

TEST(PrometheusText, FormatsSpecialValues) {
  EXPECT_EQ(format_sample_value(1796431212.043), "1796431212.043");
  EXPECT_EQ(format_sample_value(-2), "-2");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_sample_value(std::nan("")), "NaN");
}

}  // namespace
}  // namespace orch::api
