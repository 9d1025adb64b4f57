#include "orchestrator/store/run_control.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "orchestrator/store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::Backend;
using testing::utc;

// Run now and cancel as the database guarantees them, on both backends: each request is taken
// once, an idempotency key names one request, a cancel is a compare-and-set on the run's row.
class RunControlStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    auto db = Database::open(database_.url(), 2, Database::OpenMode::kCreateIfMissing);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }

  RunControl& control() { return db_->control(); }

  TriggerRequest request(std::optional<std::string> key = std::nullopt) {
    TriggerRequest r;
    r.owner = RunOwner{std::nullopt, "daily"};
    r.purchase_date = "2026-12-08";
    r.requested_by = "cli:alice";
    r.idempotency_key = std::move(key);
    r.created_at = utc("2026-12-05T03:00:00Z");
    return r;
  }

  // A run of the general run's `pipeline`, recorded `status` (running or waiting).
  RunId run(const std::string& pipeline, RunStatus status) {
    ClaimRequest claim;
    claim.pipeline = pipeline;
    claim.run_date = *parse_date("2026-12-05");
    claim.purchase_date = "2026-12-08";
    claim.instance = "host:1:1";
    claim.now = utc("2026-12-05T03:00:00Z");
    claim.start_as = status;
    claim.reason = "waiting for loans.csv";
    auto claimed = db_->runs().claim(claim);
    EXPECT_TRUE(claimed.has_value()) << claimed.error().message;
    return claimed ? claimed->record.run_id : RunId();
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

TEST_P(RunControlStoreTest, ARequestIsTakenByOneServiceAndKeepsItsOutcome) {
  auto submitted = control().submit(request());
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  ASSERT_TRUE(submitted->added);
  const std::int64_t id = submitted->request.id;

  auto pending = control().pending_requests(utc("2026-12-05T02:55:00Z"));
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].purchase_date, "2026-12-08");
  EXPECT_EQ((*pending)[0].requested_by, "cli:alice");
  // Older than the lifetime asked for: not offered.
  EXPECT_TRUE(control().pending_requests(utc("2026-12-05T03:00:01Z"))->empty());

  EXPECT_TRUE(*control().claim_request(id, "host:1:1"));
  EXPECT_FALSE(*control().claim_request(id, "host:2:2"));
  EXPECT_FALSE(*control().withdraw_request(id));
  EXPECT_TRUE(control().pending_requests(utc("2026-12-05T02:55:00Z"))->empty());

  ASSERT_TRUE(
      control().settle_request(id, TriggerOutcome::kStarted, RunId("run_0123456789abcdef"), ""));
  auto found = control().find_request(id);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ((*found)->claimed_by, "host:1:1");
  EXPECT_EQ((*found)->outcome, TriggerOutcome::kStarted);
  EXPECT_EQ((*found)->run_id.str(), "run_0123456789abcdef");
}

TEST_P(RunControlStoreTest, AWithdrawnRequestIsNeverTaken) {
  auto submitted = control().submit(request());
  ASSERT_TRUE(submitted.has_value());
  const std::int64_t id = submitted->request.id;
  EXPECT_TRUE(*control().withdraw_request(id));
  EXPECT_FALSE(*control().claim_request(id, "host:1:1"));
  EXPECT_TRUE(control().pending_requests(utc("2026-12-05T02:55:00Z"))->empty());
  EXPECT_EQ((*control().find_request(id))->outcome, TriggerOutcome::kWithdrawn);
}

TEST_P(RunControlStoreTest, AnIdempotencyKeyNamesOneRequest) {
  auto first = control().submit(request("key-1"));
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->added);
  auto again = control().submit(request("key-1"));
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->added);
  EXPECT_EQ(again->request.id, first->request.id);
  auto other = control().submit(request("key-2"));
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(other->added);
  EXPECT_NE(other->request.id, first->request.id);
  // Requests without a key are each their own.
  EXPECT_TRUE(control().submit(request())->added);
  EXPECT_TRUE(control().submit(request())->added);
  EXPECT_EQ(control().pending_requests(utc("2026-12-05T02:55:00Z"))->size(), 4U);
}

TEST_P(RunControlStoreTest, ACancelEndsAWaitingRunAtOnceAndAsksForARunningOne) {
  const RunId waiting = run("daily", RunStatus::kWaiting);
  const RunId running = run("other", RunStatus::kRunning);
  const SysTime now = utc("2026-12-05T03:01:00Z");

  auto cancelled = control().request_cancel(waiting, "cancelled by cli:alice", now);
  ASSERT_TRUE(cancelled.has_value()) << cancelled.error().message;
  EXPECT_EQ(cancelled->found, CancelFound::kCancelled);
  auto row = *db_->runs().find(waiting);
  EXPECT_EQ(row->status, RunStatus::kCancelled);
  EXPECT_EQ(row->error, "cancelled by cli:alice");
  // Its service can no longer start it.
  EXPECT_EQ(*db_->runs().start_waiting(waiting, "host:1:1", now), WaitingStart::kGone);

  EXPECT_TRUE(control().cancel_requested("host:1:1")->empty());
  auto asked = control().request_cancel(running, "cancelled by api:ops", now);
  ASSERT_TRUE(asked.has_value());
  EXPECT_EQ(asked->found, CancelFound::kRequested);
  EXPECT_EQ(asked->instance, "host:1:1");
  auto pending = control().cancel_requested("host:1:1");
  ASSERT_TRUE(pending.has_value());
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].run_id, running);
  EXPECT_EQ((*pending)[0].why, "cancelled by api:ops");
  EXPECT_TRUE(control().cancel_requested("host:2:2")->empty());

  // Once its service records the end, the request is gone and a new cancel finds it ended.
  RunFinish end;
  end.run_id = running;
  end.status = RunStatus::kCancelled;
  end.completed_at = now;
  ASSERT_TRUE(db_->runs().finish(end));
  EXPECT_TRUE(control().cancel_requested("host:1:1")->empty());
  auto ended = control().request_cancel(running, "cancelled by cli:alice", now);
  ASSERT_TRUE(ended.has_value());
  EXPECT_EQ(ended->found, CancelFound::kEnded);
  EXPECT_EQ(ended->status, RunStatus::kCancelled);
  EXPECT_EQ(control().request_cancel(RunId("run_0000000000000000"), "x", now)->found,
            CancelFound::kNotFound);
}

TEST_P(RunControlStoreTest, TheControlGenerationMovesWithEachBump) {
  auto before = control().generation();
  ASSERT_TRUE(before.has_value()) << before.error().message;
  ASSERT_TRUE(control().bump_generation());
  ASSERT_TRUE(control().bump_generation());
  EXPECT_EQ(*control().generation(), *before + 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunControlStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
