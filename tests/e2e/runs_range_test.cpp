// `runs --since/--until` as an operator types them: wall times in the machine's zone ($TZ here),
// dates, spans back from now, today and yesterday.

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/time_values.h"

namespace orch::testing {
namespace {

TEST_P(BackendE2eTest, RunsSinceAndUntilTakeLocalTimesSpansAndDayNames) {
  add_team(3, "East");
  ASSERT_EQ(orch({"run", "--team", "3"}).exit_code, 0);
  auto all = runs_json();
  ASSERT_EQ(all.size(), 1u);
  const SysTime created = utc(all[0]["created_at"].get<std::string>());

  auto count = [&](const std::vector<std::string>& filters,
                   const std::map<std::string, std::string>& env = {}) -> int {
    std::vector<std::string> args{"runs", "--format", "json"};
    args.insert(args.end(), filters.begin(), filters.end());
    auto result = orch(args, env);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.exit_code == 0 ? static_cast<int>(nlohmann::json::parse(result.out).size()) : -1;
  };
  EXPECT_EQ(count({"--since", "1h"}), 1);
  EXPECT_EQ(count({"--until", "1h"}), 0);
  EXPECT_EQ(count({"--since", "today"}), 1);
  EXPECT_EQ(count({"--since", "yesterday", "--until", "today"}), 0);
  EXPECT_EQ(count({"--until", "30m"}), 0);

  // The run's minute as a Tokyo wall time (UTC+9, no daylight saving): from that minute the run
  // is in the range, from the next one it is not.
  const auto minute = date::floor<std::chrono::minutes>(created) + std::chrono::hours(9);
  const std::string wall = date::format("%Y-%m-%dT%H:%M", minute);
  const std::string next = date::format("%Y-%m-%dT%H:%M", minute + std::chrono::minutes(1));
  const std::map<std::string, std::string> tokyo{{"TZ", "Asia/Tokyo"}};
  EXPECT_EQ(count({"--since", wall}, tokyo), 1) << wall;
  EXPECT_EQ(count({"--since", next}, tokyo), 0) << next;
  EXPECT_EQ(count({"--until", next}, tokyo), 1) << next;
  // The same text read in UTC is nine hours later: nothing since then.
  EXPECT_EQ(count({"--since", wall}, {{"TZ", "UTC"}}), 0) << wall;

  auto bad = orch({"runs", "--until", "soon"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.rfind("error: --until: 'soon' is not a time: use 2026-12-04T19:00 (local "
                          "time), 2026-12-04, an instant with Z or +HH:MM",
                          0),
            0u)
      << bad.err;
}

}  // namespace
}  // namespace orch::testing
