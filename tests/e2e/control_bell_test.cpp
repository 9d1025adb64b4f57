// A reschedule reaches a running service through the database's control bell, on both databases:
// applied within a fraction of the service's 5 s control poll, each time. Without the bell, each
// of these reschedules would wait for the poll (2.5 s on average) and most would time out.
#include <signal.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/test_database.h"

namespace orch::testing {
namespace {

class ControlBellE2eTest : public E2eTest, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    env_["DATABASE_URL"] = database_.url();
  }

  TestDatabase database_{GetParam(), dir_.path()};
};

TEST_P(ControlBellE2eTest, EveryRescheduleIsAppliedAtOnceNotAtTheNextPoll) {
  add_team(1, "North");
  auto service = serve();
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE("reschedule " + std::to_string(i + 1));
    auto applied = orch({"reschedule", "--timeout", "2"});
    EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err << service->output();
  }
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(std::chrono::seconds(15)), 0) << service->output();
}

INSTANTIATE_TEST_SUITE_P(Databases, ControlBellE2eTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& backend) { return backend_name(backend.param); });

}  // namespace
}  // namespace orch::testing
