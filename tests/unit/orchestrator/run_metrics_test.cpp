#include "orchestrator/core/run_metrics.h"

#include <string>

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(RunMetrics, KeepsTheObjectAndItsIntegerCounts) {
  auto metrics = parse_run_metrics(R"({"total_loans": 12, "exceptions_count": 2, "x": [1]})");
  ASSERT_TRUE(metrics.has_value()) << metrics.error().message;
  EXPECT_EQ(metrics->json, R"({"exceptions_count":2,"total_loans":12,"x":[1]})");
  EXPECT_EQ(metrics->total_loans, 12);
  EXPECT_EQ(metrics->exceptions_count, 2);
  auto as_text = parse_run_metrics(R"({"total_loans": "12"})");
  ASSERT_TRUE(as_text.has_value());
  EXPECT_FALSE(as_text->total_loans.has_value());
}

TEST(RunMetrics, RefusesWhatIsNotOneJsonObject) {
  for (const char* text : {"[1, 2]", "{} {}", "{\"a\":", "12", "\xff"}) {
    SCOPED_TRACE(text);
    auto metrics = parse_run_metrics(text);
    ASSERT_FALSE(metrics.has_value());
    EXPECT_EQ(metrics.error().message, "is not a JSON object");
  }
}

// Seen while fuzzing the reader: a pipeline that wrote a million '[' into its RESULT_FILE crashed
// the service (its stack overflowed in the JSON reader). Brackets inside strings do not count.
TEST(RunMetrics, RefusesNestingDeeperThanTheLimitWithoutCrashing) {
  const std::size_t levels = 1000000;
  auto deep =
      parse_run_metrics("{\"a\":" + std::string(levels, '[') + std::string(levels, ']') + "}");
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().message, "nests deeper than 64 levels");

  const int inner = kMaxMetricsDepth - 1;  // arrays inside the object: 64 levels in all
  const std::string at_limit =
      R"({"s": "[[[[[[[[", "a": )" + std::string(inner, '[') + std::string(inner, ']') + "}";
  EXPECT_TRUE(parse_run_metrics(at_limit).has_value()) << at_limit;
}

}  // namespace
}  // namespace orch
