#include <algorithm>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

TEST_F(E2eTest, PlanCronPrintsTheNextFireInstantsAsAJsonArrayOfUtcStrings) {
  auto result = orch({"plan", "--cron", "30 2 * * *", "--timezone", "America/New_York", "--after",
                      "2026-03-07T00:00:00Z", "--count", "3", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The 8th is the day New York skips 02:00-03:00: a fixed-time job runs at the jump.
  EXPECT_EQ(nlohmann::json::parse(result.out),
            nlohmann::json::parse(R"(["2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z",
                                      "2026-03-09T06:30:00Z"])"));
}

TEST_F(E2eTest, PlanCronRunsAWildcardJobInBothPassesOfARepeatedHour) {
  auto result = orch({"plan", "--cron", "30 * * * *", "--timezone", "Europe/London", "--after",
                      "2026-10-25T00:00:00+01:00", "--count", "3", "--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out),
            nlohmann::json::parse(R"(["2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z",
                                      "2026-10-25T01:30:00Z"])"));
}

TEST_F(E2eTest, PlanCronNeedsNoDatabase) {
  auto result = orch({"plan", "--cron", "@daily", "--timezone", "Asia/Kolkata", "--after",
                      "2026-01-01T00:00:00Z", "--count", "1", "--format", "json"},
                     {{"DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out),
            nlohmann::json::parse(R"(["2026-01-01T18:30:00Z"])"));
}

TEST_F(E2eTest, PlanCronRefusesABadExpressionWithOneLineAndExitTwo) {
  auto result = orch({"plan", "--cron", "0 0 L * *", "--timezone", "UTC", "--after",
                      "2026-01-01T00:00:00Z", "--count", "1", "--format", "json"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_EQ(result.err,
            "error: cron expression '0 0 L * *': day-of-month field: 'L' is not allowed: use *, "
            "N, N-M, */S, N-M/S or a comma list of them, with N and M 1-31 and S from 1 to 31" +
                in_use() + "\n");
}

TEST_F(E2eTest, PlanCronRefusesAnExpressionThatCanNeverFire) {
  auto result = orch({"plan", "--cron", "0 0 30 2 *", "--format", "json"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("can never fire"), std::string::npos) << result.err;
}

TEST_F(E2eTest, PlanCronRefusesAnUnknownZoneWithOneLineAndExitTwo) {
  auto result = orch({"plan", "--cron", "0 2 * * *", "--timezone", "Mars/Olympus_Mons", "--after",
                      "2026-01-01T00:00:00Z", "--format", "json"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--timezone: 'Mars/Olympus_Mons' is not a known time zone"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
}

}  // namespace
}  // namespace orch::testing
