// Every write of the team store outlives a database outage: after the server dropped its
// connections (a restart, a failover), a write may fail once as unavailable, and the next one
// reopens the connection and goes through, as the run store's writes do.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/ids.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/team_store.h"
#include "tests/support/command.h"
#include "tests/support/store_outage.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

class TeamStoreOutageTest : public testing::StoreOutageTest {
 protected:
  Team team() {
    auto found = db_->teams().find(TeamId{1});
    EXPECT_TRUE(found.has_value() && found->has_value());
    return found && *found ? **found : Team{};
  }
};

TEST_F(TeamStoreOutageTest, PausingAndResumingATeamWorkAgainAfterTheServerDroppedItsConnections) {
  TeamStore& teams = db_->teams();
  drop_connections();
  int tries = tries_until_success(
      [&] { return teams.set_paused(TeamId{1}, true, utc("2026-03-02T00:00:00Z"), "moving"); });
  EXPECT_GE(tries, 1);
  EXPECT_LE(tries, 2);
  EXPECT_TRUE(team().paused);
  EXPECT_EQ(team().pause_note, std::optional<std::string>("moving"));

  drop_connections();
  tries = tries_until_success(
      [&] { return teams.set_paused(TeamId{1}, false, utc("2026-03-03T00:00:00Z"), {}); });
  EXPECT_GE(tries, 1);
  EXPECT_LE(tries, 2);
  EXPECT_FALSE(team().paused);
}

TEST_F(TeamStoreOutageTest, EveryOtherTeamWriteWorksAgainAfterTheServerDroppedItsConnections) {
  TeamStore& teams = db_->teams();
  const SysTime now = utc("2026-03-02T00:00:00Z");
  TeamChanges renamed;
  renamed.name = "Uno";
  PipelineScheduleChanges at_six;
  at_six.run_time = "06:00";
  const std::vector<std::pair<std::string, std::function<Result<Team>()>>> writes{
      {"update", [&] { return teams.update(TeamId{1}, renamed, now); }},
      {"set_active",
       [&] { return teams.set_active(TeamId{1}, TeamStore::Activity::kInactive, now); }},
      {"update_pipeline", [&] { return teams.update_pipeline(TeamId{1}, "weekly", at_six, now); }},
      {"set_pipeline_paused",
       [&] { return teams.set_pipeline_paused(TeamId{1}, "weekly", true, now, {}); }},
  };
  for (const auto& [name, write] : writes) {
    SCOPED_TRACE(name);
    drop_connections();
    int tries = tries_until_success(write);
    EXPECT_GE(tries, 1);
    EXPECT_LE(tries, 2);
  }
  Team after = team();
  EXPECT_EQ(after.name, "Uno");
  EXPECT_FALSE(after.active);
  ASSERT_EQ(after.pipeline_settings.size(), 1u);
  EXPECT_EQ(after.pipeline_settings[0].run_time, std::optional<std::string>("06:00"));
  EXPECT_TRUE(after.pipeline_settings[0].paused);
}

}  // namespace
}  // namespace orch
