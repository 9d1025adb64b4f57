#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/time.h"
#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::Backend;
using testing::utc;

class ForgetSilentTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 1, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }

  ServiceRegistry& registry() { return db_->registry(); }

  void add(const std::string& host, std::int64_t pid, SysTime last_beat) {
    ServiceInstance s;
    s.instance = host + ":" + std::to_string(pid);
    s.host = host;
    s.pid = pid;
    s.started_at = last_beat - hours(1);
    s.heartbeat_at = last_beat;
    ASSERT_TRUE(registry().register_instance(s).has_value());
  }

  std::vector<std::string> known() {
    auto all = registry().live(SysTime{});
    std::vector<std::string> names;
    if (!all) {
      ADD_FAILURE() << all.error().message;
      return names;
    }
    for (const auto& s : *all) {
      names.push_back(s.instance);
    }
    return names;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_P(ForgetSilentTest, ForgetsOnlyTheServicesSilentSinceBeforeTheCutOff) {
  SysTime cut = utc("2026-03-09T07:00:00Z");
  add("gone", 1, cut - hours(200));
  add("edge", 2, cut - seconds(1));
  add("exact", 3, cut);  // silent exactly as long as allowed: kept
  add("live", 4, cut + hours(168));

  auto forgotten = registry().forget_silent(cut);
  ASSERT_TRUE(forgotten.has_value()) << forgotten.error().message;
  EXPECT_EQ(*forgotten, 2u);
  EXPECT_EQ(known(), (std::vector<std::string>{"exact:3", "live:4"}));

  auto again = registry().forget_silent(cut);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0u);
}

TEST_P(ForgetSilentTest, AForgottenServiceThatBeatsAgainIsListedAgain) {
  SysTime t0 = utc("2026-03-02T07:00:00Z");
  add("frozen", 42, t0);
  auto forgotten = registry().forget_silent(t0 + hours(200));
  ASSERT_TRUE(forgotten.has_value()) << forgotten.error().message;
  ASSERT_EQ(*forgotten, 1u);
  ASSERT_TRUE(known().empty());

  // Stopped with SIGSTOP for a week, then continued: its next beat puts it back.
  SysTime back = t0 + hours(201);
  ASSERT_TRUE(registry().heartbeat("frozen:42", back).has_value());
  auto all = registry().live(SysTime{});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].instance, "frozen:42");
  EXPECT_EQ((*all)[0].host, "frozen");
  EXPECT_EQ((*all)[0].pid, 42);
  EXPECT_EQ((*all)[0].heartbeat_at, back);
}

INSTANTIATE_TEST_SUITE_P(Backends, ForgetSilentTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return testing::backend_name(param.param);
                         });

}  // namespace
}  // namespace orch
