// `plan` shows only slots the service will run: a team whose run of today is done, and whose run
// time is then moved later today, has its next slot tomorrow.

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

std::string day_after(const std::string& run_date) {
  std::istringstream in(run_date);
  date::sys_days day;
  in >> date::parse("%F", day);
  return date::format("%F", day + date::days(1));
}

TEST_P(BackendE2eTest, PlanHidesTodaysSlotOfATeamMovedLaterAfterTodaysRun) {
  add_team(1, "Done today", {"--run-time", utc_time_in(3)});
  auto service = serve();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  std::string run_date;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& run : runs_json()) {
          if (run["status"] == "completed" && run["triggered_by"] == "schedule") {
            run_date = run["run_date"];
            return true;
          }
        }
        return false;
      },
      seconds(20)))
      << service->output();
  service.reset();

  // Later today (a minute on; past midnight it is tomorrow's slot anyway), for the team that ran
  // and for one that did not.
  const std::string later = utc_time_in(60);
  ASSERT_EQ(orch({"teams", "update", "1", "--run-time", later}).exit_code, 0);
  add_team(2, "Not yet", {"--run-time", later});

  auto plan = orch({"plan", "--count", "1", "--format", "json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto slots = nlohmann::json::parse(plan.out);
  ASSERT_EQ(slots.size(), 2u) << plan.out;
  EXPECT_EQ(slots[0]["team"], "1");
  EXPECT_EQ(slots[0]["run_date"], day_after(run_date)) << plan.out;
  EXPECT_EQ(slots[1]["team"], "2");
  EXPECT_EQ(slots[1]["utc"].get<std::string>().substr(11, 8), later) << plan.out;
  EXPECT_EQ(slots[0]["utc"].get<std::string>().substr(11, 8), later) << plan.out;
}

}  // namespace
}  // namespace orch::testing
