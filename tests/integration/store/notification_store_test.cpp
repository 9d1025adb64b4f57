// The notifications table on both databases: SQLite, and PostgreSQL when the test services run
// one (PGHOST/PGPORT from scripts/with_test_services.sh).

#include "orchestrator/store/notification_store.h"

#include <unistd.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

using notify::DeliveryRecord;
using notify::DeliveryStatus;
using testing::env_or_empty;

enum class Backend { kSqlite, kPostgres };

class NotificationStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string url = "sqlite:" + (dir_ / "orchestrator.db").string();
    if (GetParam() == Backend::kPostgres) {
      if (env_or_empty("PGPORT").empty()) {
        GTEST_SKIP() << "needs the throwaway PostgreSQL (scripts/with_test_services.sh)";
      }
      url = "postgresql://" + env_or_empty("PGUSER") + "@" + env_or_empty("PGHOST") + ":" +
            env_or_empty("PGPORT") + "/" + env_or_empty("PGDATABASE");
    }
    auto db = Database::open(url, 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    // The PostgreSQL database is shared by the suite: each test looks at its own run id.
    run_id_ = "run_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::string run_id_;
};

TEST_P(NotificationStoreTest, RecordsADeliveryAndItsEnd) {
  DeliveryRecord r;
  r.event = "run_failed";
  r.channel = "email";
  r.target = "west@example.com,lead@example.com";
  r.team = TeamId{3};
  r.run_id = RunId(run_id_);
  r.created_at = r.updated_at = utc("2026-11-23T02:00:01.250Z");
  auto id = db_->notifications().add(r);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_GT(*id, 0);

  r.id = *id;
  r.attempts = 2;
  r.last_error = "SMTP 127.0.0.1:25: Connection refused (while connecting)";
  r.updated_at = utc("2026-11-23T02:00:03.500Z");
  ASSERT_TRUE(db_->notifications().update(r).has_value());
  r.attempts = 3;
  r.status = DeliveryStatus::kSent;
  r.last_error.clear();
  r.updated_at = utc("2026-11-23T02:00:07Z");
  r.sent_at = r.updated_at;
  ASSERT_TRUE(db_->notifications().update(r).has_value());

  NotificationFilter filter;
  filter.run_id = RunId(run_id_);
  auto rows = db_->notifications().list(filter);
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  const DeliveryRecord& got = rows->front();
  EXPECT_EQ(got.id, *id);
  EXPECT_EQ(got.event, "run_failed");
  EXPECT_EQ(got.channel, "email");
  EXPECT_EQ(got.target, "west@example.com,lead@example.com");
  ASSERT_TRUE(got.team.has_value());
  EXPECT_EQ(got.team->value, 3);
  EXPECT_EQ(got.status, DeliveryStatus::kSent);
  EXPECT_EQ(got.attempts, 3);
  EXPECT_EQ(got.last_error, "");
  EXPECT_EQ(format_utc(got.created_at), "2026-11-23T02:00:01.250Z");
  ASSERT_TRUE(got.sent_at.has_value());
  EXPECT_EQ(format_utc(*got.sent_at), "2026-11-23T02:00:07.000Z");
}

TEST_P(NotificationStoreTest, GeneralRunAndDroppedDeliveriesHaveNoTeamAndNoSendTime) {
  DeliveryRecord r;
  r.event = "run_completed";
  r.channel = "slack";
  r.target = "https://hooks.slack.com/***";
  r.run_id = RunId(run_id_);
  r.status = DeliveryStatus::kDropped;
  r.last_error = "not sent: the notification queue is full (1000 waiting)";
  r.created_at = r.updated_at = utc("2026-11-23T02:00:00Z");
  ASSERT_TRUE(db_->notifications().add(r).has_value());
  NotificationFilter filter;
  filter.run_id = RunId(run_id_);
  auto rows = db_->notifications().list(filter);
  ASSERT_TRUE(rows.has_value()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1U);
  EXPECT_FALSE(rows->front().team.has_value());
  EXPECT_FALSE(rows->front().sent_at.has_value());
  EXPECT_EQ(rows->front().status, DeliveryStatus::kDropped);
  EXPECT_EQ(rows->front().last_error, r.last_error);
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& backend) {
                           return backend.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace orch
