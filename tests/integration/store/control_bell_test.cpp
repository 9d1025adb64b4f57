// The control bell on both databases: a reschedule, a run request or a cancel recorded through one
// connection pool (as by another process) wakes a listener of another at once, ordinary writes
// do not, and a stop ends a wait. On PostgreSQL each test has a database of its own, since a NOTIFY
// reaches every listener of its database, and other tests ring theirs meanwhile.

#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "orchestrator/store/control_listener.h"
#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::utc;
using Wake = ControlListener::Wake;

using testing::Backend;

class ControlBellTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<testing::TestDatabase>(GetParam(), dir_.path());
    if (!database_->available()) {
      GTEST_SKIP() << "needs the throwaway PostgreSQL (scripts/with_test_services.sh)";
    }
    auto listening = Database::open(database_->url(), 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(listening.has_value()) << listening.error().message;
    listening_ = std::move(*listening);
    auto other = Database::open(database_->url(), 2, Database::OpenMode::kExisting);
    ASSERT_TRUE(other.has_value()) << other.error().message;
    other_ = std::move(*other);
    listener_ = listening_->listen_for_control();
    // Listening begins with the first wait; nothing has rung yet.
    ASSERT_EQ(listener_->wait(milliseconds(100)), Wake::kTimedOut);
  }

  void TearDown() override {
    listener_.reset();
    listening_.reset();
    other_.reset();
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::TestDatabase> database_;
  std::unique_ptr<Database> listening_;
  std::unique_ptr<Database> other_;
  std::unique_ptr<ControlListener> listener_;
};

TEST_P(ControlBellTest, ARescheduleWakesAListenerAtOnce) {
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(other_->registry().bump_generation().has_value());
  EXPECT_EQ(listener_->wait(seconds(10)), Wake::kRang);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
}

TEST_P(ControlBellTest, ARunRequestOrCancelWakesAListener) {
  ASSERT_TRUE(other_->control().bump_generation().has_value());
  EXPECT_EQ(listener_->wait(seconds(10)), Wake::kRang);
}

TEST_P(ControlBellTest, OrdinaryWritesDoNotRing) {
  ASSERT_TRUE(other_->teams().add(TeamId{7}, "North", {}, utc("2026-12-01T00:00:00Z")).has_value());
  EXPECT_EQ(listener_->wait(milliseconds(300)), Wake::kTimedOut);
}

TEST_P(ControlBellTest, RingsMeanwhileAreOneWake) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(other_->registry().bump_generation().has_value());
  }
  // Give every ring time to arrive before the listener looks.
  ASSERT_EQ(listener_->wait(seconds(10)), Wake::kRang);
  auto again = listener_->wait(milliseconds(300));
  if (again == Wake::kRang) {
    again = listener_->wait(milliseconds(300));  // a ring that arrived while the first was read
  }
  EXPECT_EQ(again, Wake::kTimedOut);
}

TEST_P(ControlBellTest, StopEndsAWaitFromAnotherThread) {
  auto waiting = std::async(std::launch::async, [this] { return listener_->wait(seconds(60)); });
  ASSERT_EQ(waiting.wait_for(milliseconds(200)), std::future_status::timeout);
  listener_->stop();
  ASSERT_EQ(waiting.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(waiting.get(), Wake::kStopped);
  EXPECT_EQ(listener_->wait(seconds(60)), Wake::kStopped);
}

INSTANTIATE_TEST_SUITE_P(Databases, ControlBellTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& backend) {
                           return backend.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace orch
