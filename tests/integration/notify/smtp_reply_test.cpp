// What an SMTP server's refusal does to a mail delivery, end to end below the binary: the real
// routing, the real network plugin and its SMTP client, the real delivery queue, the real
// notifications table (SQLite), against a real SMTP server on loopback that refuses with the
// reply under test. A 5xx reply is permanent (one attempt); a 4xx reply is retried.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "config/base/clock.h"
#include "notify/delivery_queue.h"
#include "notify/network_plugin.h"
#include "notify/routing.h"
#include "orchestrator/store/database.h"
#include "tests/integration/notify/smtp_server_fixture.h"
#include "tests/support/temp_dir.h"

namespace orch {
namespace {

using notify::DeliveryRecord;
using notify::DeliveryStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RefusingSmtpServer;

class SmtpReplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto plugin = notify::load_network_plugin(ORCH_NOTIFY_NET_PLUGIN);
    ASSERT_TRUE(plugin.has_value()) << plugin.error().message;
    auto db = Database::open("sqlite:" + (dir_ / "orchestrator.db").string(), 3,
                             Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }

  // Sends a run_failed mail through `server` with up to `max_attempts` tries, as the service
  // does, and returns its row once the queue is drained.
  std::optional<DeliveryRecord> deliver(const RefusingSmtpServer& server, int max_attempts) {
    config::Config config;
    config.notify.channels = {config::Channel::kEmail};
    config.notify.smtp.host = "127.0.0.1";
    config.notify.smtp.port = server.port();
    config.notify.smtp.from = "orch@example.com";
    config.notify.smtp.timeout = seconds(5);
    config.notify.email_to = {"nobody@example.com"};
    notify::RunEvent event;
    event.kind = notify::EventKind::kRunFailed;
    event.run_id = RunId(
        "run_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    auto deliveries = notify::deliveries_for(event, config);
    EXPECT_EQ(deliveries.size(), 1U);
    notify::DeliveryQueueSettings settings;
    settings.max_attempts = max_attempts;
    settings.initial_delay = milliseconds(10);
    settings.max_delay = milliseconds(20);
    {
      notify::DeliveryQueue queue(settings, &db_->notifications(), clock_);
      for (auto& delivery : deliveries) {
        EXPECT_TRUE(queue.push(std::move(delivery)));
      }
      queue.drain(seconds(20));
    }
    NotificationFilter filter;
    filter.run_id = event.run_id;
    auto rows = db_->notifications().list(filter);
    EXPECT_TRUE(rows.has_value());
    if (!rows || rows->size() != 1) {
      return std::nullopt;
    }
    return rows->front();
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  SystemClock clock_;
};

TEST_F(SmtpReplyTest, ARecipientRefusedWith550IsTriedOnceAndRecordedWithTheReply) {
  RefusingSmtpServer server(RefusingSmtpServer::Step::kRcpt,
                            "550 5.1.1 <nobody@example.com>: no such user");
  auto row = deliver(server, 4);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(server.refusals(), 1);
  EXPECT_NE(row->last_error.find("550 5.1.1 <nobody@example.com>: no such user"), std::string::npos)
      << row->last_error;
}

TEST_F(SmtpReplyTest, DataRefusedWith554IsTriedOnceAndRecordedWithTheReply) {
  RefusingSmtpServer server(RefusingSmtpServer::Step::kData, "554 5.7.1 message refused");
  auto row = deliver(server, 4);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 1);
  EXPECT_EQ(server.refusals(), 1);
  EXPECT_NE(row->last_error.find("554 5.7.1 message refused"), std::string::npos)
      << row->last_error;
}

TEST_F(SmtpReplyTest, ARecipientDeferredWith451IsRetriedUntilTheAttemptsRunOut) {
  RefusingSmtpServer server(RefusingSmtpServer::Step::kRcpt,
                            "451 4.3.0 temporary failure, try again later");
  auto row = deliver(server, 3);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 3);
  EXPECT_EQ(server.refusals(), 3);
  EXPECT_NE(row->last_error.find("451 4.3.0 temporary failure"), std::string::npos)
      << row->last_error;
}

TEST_F(SmtpReplyTest, DataDeferredWith452IsRetried) {
  RefusingSmtpServer server(RefusingSmtpServer::Step::kData, "452 4.3.1 insufficient storage");
  auto row = deliver(server, 2);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 2);
  EXPECT_EQ(server.refusals(), 2);
  EXPECT_NE(row->last_error.find("452 4.3.1"), std::string::npos) << row->last_error;
}

}  // namespace
}  // namespace orch
