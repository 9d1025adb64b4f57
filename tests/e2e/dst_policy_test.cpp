// A team's daylight-saving policy through the binary: `plan` shows what each night does, and a
// bad value is refused.

#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

TEST_F(E2eTest, PlanShowsWhatATeamsDaylightSavingPolicyDoes) {
  add_team(1, "Shift", {"--run-time", "02:30", "--timezone", "America/New_York"});
  add_team(2, "Skip",
           {"--run-time", "02:30", "--timezone", "America/New_York", "--dst-skipped", "skip"});
  auto plan = [&](int team) {
    auto result =
        orch({"plan", "--team", std::to_string(team), "--count", "400", "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  };
  // 400 daily slots span more than a year: New York's spring-forward night is among them.
  auto shift = plan(1);
  auto skip = plan(2);
  ASSERT_EQ(shift.size(), 400u);
  // Shift: one night of the year runs at 03:00, and says why; every other night at 02:30.
  std::vector<nlohmann::json> shifted;
  for (const auto& slot : shift) {
    if (slot["local_time"].get<std::string>().substr(11, 5) != "02:30") {
      shifted.push_back(slot);
    }
  }
  ASSERT_GE(shifted.size(), 1u) << shift.dump(2);
  const auto& night = shifted.front();
  EXPECT_EQ(night["local_time"].get<std::string>().substr(11, 5), "03:00") << night.dump();
  EXPECT_EQ(night["note"], "02:30 does not exist on " + night["run_date"].get<std::string>() +
                               " in America/New_York: ran at 03:00 (dst_skipped=shift)");
  // Skip: that night has no slot at all, and every slot is at 02:30.
  std::set<std::string> skip_dates;
  for (const auto& slot : skip) {
    EXPECT_EQ(slot["local_time"].get<std::string>().substr(11, 5), "02:30") << slot.dump();
    skip_dates.insert(slot["run_date"].get<std::string>());
  }
  EXPECT_EQ(skip_dates.count(night["run_date"].get<std::string>()), 0u)
      << "the skipped night has no run";

  auto bad = orch({"teams", "update", "1", "--dst-skipped", "later"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--dst-skipped: 'later' is not allowed: use shift or skip"),
            std::string::npos)
      << bad.err;
  auto teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  EXPECT_EQ(teams[1]["dst_skipped"], "skip");
  EXPECT_TRUE(teams[0]["dst_skipped"].is_null());
}

}  // namespace
}  // namespace orch::testing
