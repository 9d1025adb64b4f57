// The delivery queue against the real HTTP webhook sink (its /status/NNN and /hang/S paths inject
// the faults), recording into the real notifications table (SQLite, and PostgreSQL when the test
// services run one).

#include "notify/delivery_queue.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "config/base/clock.h"
#include "notify/network_plugin.h"
#include "notify/webhook_redaction.h"
#include "notify/webhook_transport.h"
#include "orchestrator/store/database.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace orch {
namespace {

using notify::Delivery;
using notify::DeliveryQueue;
using notify::DeliveryQueueSettings;
using notify::DeliveryRecord;
using notify::DeliveryStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::env_or_empty;

// The lines of the HTTP sink's log that hold `text`.
std::size_t posts_with(const std::string& text) {
  std::ifstream in(env_or_empty("HTTP_TEST_LOG"));
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    n += line.find(text) != std::string::npos ? 1 : 0;
  }
  return n;
}

std::string unique_name() {
  static int counter = 0;
  return "q" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
         std::to_string(++counter);
}

// Each try's start, taken by a wrapper around the real webhook transport.
struct Tries {
  std::mutex mutex;
  std::vector<steady_clock::time_point> at;
  std::size_t count() {
    std::lock_guard lock(mutex);
    return at.size();
  }
};

class CountingTransport final : public notify::WebhookTransport {
 public:
  CountingTransport(std::shared_ptr<notify::WebhookTransport> real, Tries* tries)
      : real_(std::move(real)), tries_(tries) {}
  Status post(const notify::WebhookPost& post) override {
    if (tries_ != nullptr) {
      std::lock_guard lock(tries_->mutex);
      tries_->at.push_back(steady_clock::now());
    }
    return real_->post(post);
  }

 private:
  std::shared_ptr<notify::WebhookTransport> real_;
  Tries* tries_;
};

// The real notifications table behind a fault: while `down` is set every write fails as when the
// database is unreachable.
class FlakyRecorder final : public notify::DeliveryRecorder {
 public:
  explicit FlakyRecorder(notify::DeliveryRecorder& real) : real_(real) {}
  Result<std::int64_t> add(const DeliveryRecord& record) override {
    if (down) {
      return unavailable("cannot record a notification: database is locked");
    }
    return real_.add(record);
  }
  Status update(const DeliveryRecord& record) override {
    if (down) {
      return unavailable("cannot record a notification: database is locked");
    }
    return real_.update(record);
  }
  std::atomic<bool> down{true};

 private:
  notify::DeliveryRecorder& real_;
};

class DeliveryQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = env_or_empty("HTTP_TEST_PORT");
    if (port_.empty()) {
      GTEST_SKIP() << "needs the HTTP webhook sink (scripts/with_test_services.sh)";
    }
    // The POSTs go out through the network plugin, as in the binary: here, the build tree's.
    auto plugin = notify::load_network_plugin(ORCH_NOTIFY_NET_PLUGIN);
    ASSERT_TRUE(plugin.has_value()) << plugin.error().message;
    auto db = Database::open("sqlite:" + (dir_ / "orchestrator.db").string(), 3,
                             Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }

  // A webhook delivery to `path` on the HTTP sink, its run id unique to the test.
  Delivery webhook(const std::string& path, seconds timeout, Tries* tries = nullptr) {
    Delivery d;
    d.record.event = "run_failed";
    d.record.channel = "slack";
    d.record.run_id = RunId(unique_name());
    notify::WebhookPost post{"http://127.0.0.1:" + port_ + path + "/" + d.record.run_id->str(),
                             R"({"text":"hello"})"};
    d.record.target = notify::redact_webhook(post.url);
    auto transport = std::make_shared<CountingTransport>(
        notify::make_http_webhook_transport({"", timeout}), tries);
    d.attempt = [transport, post] { return transport->post(post); };
    return d;
  }

  std::optional<DeliveryRecord> recorded(const std::string& run_id) {
    NotificationFilter filter;
    filter.run_id = RunId(run_id);
    auto rows = db_->notifications().list(filter);
    EXPECT_TRUE(rows.has_value());
    if (!rows || rows->empty()) {
      return std::nullopt;
    }
    return rows->front();
  }

  testing::TempDir dir_;
  std::string port_;
  std::unique_ptr<Database> db_;
  SystemClock clock_;
};

TEST_F(DeliveryQueueTest, PushReturnsAtOnceWhileTheWebhookHangs) {
  DeliveryQueueSettings settings;
  settings.max_attempts = 1;
  DeliveryQueue queue(settings, &db_->notifications(), clock_);
  Delivery d = webhook("/hang/5", seconds(1));
  std::string run_id = d.record.run_id->str();
  auto start = steady_clock::now();
  ASSERT_TRUE(queue.push(std::move(d)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(50));
  ASSERT_TRUE(testing::wait_until([&] { return posts_with(run_id) == 1; }, seconds(5)));
  queue.drain(seconds(5));
  auto row = recorded(run_id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 1);
  EXPECT_NE(row->last_error.find("timed out"), std::string::npos) << row->last_error;
}

TEST_F(DeliveryQueueTest, RetriesWithGrowingJitteredDelaysThenRecordsTheFailure) {
  DeliveryQueueSettings settings;
  settings.max_attempts = 4;
  settings.initial_delay = milliseconds(100);
  settings.max_delay = milliseconds(300);
  DeliveryQueue queue(settings, &db_->notifications(), clock_);
  Tries tries;
  Delivery d = webhook("/status/503", seconds(5), &tries);
  std::string run_id = d.record.run_id->str();
  ASSERT_TRUE(queue.push(std::move(d)));
  queue.drain(seconds(10));
  ASSERT_EQ(tries.count(), 4U);
  EXPECT_EQ(posts_with(run_id), 4U);
  // Equal jitter: each wait is between half the delay and the delay (100, 200, then the cap
  // of 300 ms), plus the time a try takes.
  std::vector<milliseconds> floor{milliseconds(50), milliseconds(100), milliseconds(150)};
  std::vector<milliseconds> ceiling{milliseconds(100), milliseconds(200), milliseconds(300)};
  for (std::size_t i = 1; i < 4; ++i) {
    auto gap = std::chrono::duration_cast<milliseconds>(tries.at[i] - tries.at[i - 1]);
    EXPECT_GE(gap, floor[i - 1]) << "before try " << i + 1;
    EXPECT_LT(gap, ceiling[i - 1] + milliseconds(150)) << "before try " << i + 1;
  }
  auto row = recorded(run_id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 4);
  EXPECT_NE(row->last_error.find("HTTP 503"), std::string::npos) << row->last_error;
  EXPECT_EQ(row->target, "http://127.0.0.1:" + port_ + "/***");
}

TEST_F(DeliveryQueueTest, AnAnswerThatNoRetryCanChangeIsNotRetried) {
  DeliveryQueueSettings settings;
  settings.max_attempts = 5;
  settings.initial_delay = milliseconds(10);
  DeliveryQueue queue(settings, &db_->notifications(), clock_);
  Delivery d = webhook("/status/404", seconds(5));
  std::string run_id = d.record.run_id->str();
  ASSERT_TRUE(queue.push(std::move(d)));
  queue.drain(seconds(5));
  auto row = recorded(run_id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, DeliveryStatus::kFailed);
  EXPECT_EQ(row->attempts, 1);
  EXPECT_NE(row->last_error.find("HTTP 404"), std::string::npos) << row->last_error;
}

TEST_F(DeliveryQueueTest, AFullQueueDropsTheNewDeliveryAndRecordsIt) {
  DeliveryQueueSettings settings;
  settings.capacity = 1;
  settings.workers = 1;
  settings.max_attempts = 1;
  DeliveryQueue queue(settings, &db_->notifications(), clock_);
  Delivery busy = webhook("/hang/2", seconds(5));
  std::string busy_id = busy.record.run_id->str();
  ASSERT_TRUE(queue.push(std::move(busy)));
  // The only worker is now inside the hanging POST; one delivery may wait, the next is dropped.
  ASSERT_TRUE(testing::wait_until([&] { return posts_with(busy_id) == 1; }, seconds(5)));
  Delivery waiting = webhook("/ok", seconds(5));
  std::string waiting_id = waiting.record.run_id->str();
  Delivery extra = webhook("/ok", seconds(5));
  std::string dropped_id = extra.record.run_id->str();
  EXPECT_TRUE(queue.push(std::move(waiting)));
  EXPECT_FALSE(queue.push(std::move(extra)));
  queue.drain(seconds(10));
  auto dropped = recorded(dropped_id);
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->status, DeliveryStatus::kDropped);
  EXPECT_EQ(dropped->attempts, 0);
  EXPECT_NE(dropped->last_error.find("queue is full"), std::string::npos) << dropped->last_error;
  EXPECT_EQ(posts_with(dropped_id), 0U);
  auto sent = recorded(waiting_id);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->status, DeliveryStatus::kSent);
  EXPECT_TRUE(sent->sent_at.has_value());
}

TEST_F(DeliveryQueueTest, AStopGivesQueuedDeliveriesAGraceThenRecordsTheRestFailed) {
  DeliveryQueueSettings settings;
  settings.max_attempts = 5;
  settings.initial_delay = milliseconds(20000);
  settings.max_delay = milliseconds(20000);
  DeliveryQueue queue(settings, &db_->notifications(), clock_);
  Delivery failing = webhook("/status/500", seconds(5));
  std::string failing_id = failing.record.run_id->str();
  Delivery fine = webhook("/ok", seconds(5));
  std::string fine_id = fine.record.run_id->str();
  ASSERT_TRUE(queue.push(std::move(failing)));
  ASSERT_TRUE(queue.push(std::move(fine)));
  auto start = steady_clock::now();
  queue.drain(milliseconds(1500));
  // The grace is spent waiting for the retry that is 10 to 20 s away, and no longer.
  EXPECT_LT(steady_clock::now() - start, seconds(3));
  auto sent = recorded(fine_id);
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->status, DeliveryStatus::kSent);
  auto left = recorded(failing_id);
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->status, DeliveryStatus::kFailed);
  EXPECT_EQ(left->attempts, 1);
  EXPECT_NE(left->last_error.find("not sent before the stop"), std::string::npos)
      << left->last_error;
  EXPECT_NE(left->last_error.find("HTTP 500"), std::string::npos) << left->last_error;
  EXPECT_FALSE(queue.push(webhook("/ok", seconds(5))));
}

TEST_F(DeliveryQueueTest, DeliveriesPushedWhileAWorkerWaitsForARetryGoOutAndTheRetryStillHappens) {
  DeliveryQueueSettings settings;
  settings.workers = 1;
  settings.max_attempts = 2;
  settings.initial_delay = milliseconds(1000);
  settings.max_delay = milliseconds(1000);
  DeliveryQueue queue(settings, &db_->notifications(), clock_);
  Tries tries;
  Delivery failing = webhook("/status/503", seconds(5), &tries);
  std::string failing_id = failing.record.run_id->str();
  ASSERT_TRUE(queue.push(std::move(failing)));
  // The only worker now waits for the retry, 0.5 to 1 s away, while new deliveries arrive and
  // the queue grows (in the sanitized build, this once read a freed deadline).
  ASSERT_TRUE(testing::wait_until([&] { return tries.count() == 1; }, seconds(5)));
  std::vector<std::string> fine_ids;
  for (int i = 0; i < 8; ++i) {
    Delivery fine = webhook("/ok", seconds(5));
    fine_ids.push_back(fine.record.run_id->str());
    ASSERT_TRUE(queue.push(std::move(fine)));
  }
  ASSERT_TRUE(testing::wait_until([&] { return tries.count() == 2; }, seconds(5)));
  queue.drain(seconds(5));
  for (const auto& id : fine_ids) {
    auto row = recorded(id);
    ASSERT_TRUE(row.has_value()) << id;
    EXPECT_EQ(row->status, DeliveryStatus::kSent) << id;
  }
  auto retried = recorded(failing_id);
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->status, DeliveryStatus::kFailed);
  EXPECT_EQ(retried->attempts, 2);
}

TEST_F(DeliveryQueueTest, ADatabaseThatCannotRecordDoesNotStopTheDelivery) {
  FlakyRecorder recorder(db_->notifications());
  DeliveryQueue queue(DeliveryQueueSettings{}, &recorder, clock_);
  Delivery d = webhook("/ok", seconds(5));
  std::string run_id = d.record.run_id->str();
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(queue.push(std::move(d)));
  queue.drain(seconds(5));
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(posts_with(run_id), 1U);
  EXPECT_NE(log.find("notification_not_recorded"), std::string::npos) << log;
  EXPECT_NE(log.find("notification_sent"), std::string::npos) << log;
  EXPECT_FALSE(recorded(run_id).has_value());
}

}  // namespace
}  // namespace orch
