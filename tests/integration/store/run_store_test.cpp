#include "orchestrator/store/run_store.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/base/ids.h"
#include "config/base/time.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/service_registry.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/time_values.h"

namespace orch {
namespace {

using testing::utc;

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::string iso(const std::optional<SysTime>& t) {
  return t ? format_utc(*t) : "(null)";
}

using testing::Backend;

std::unique_ptr<Database> open_database(const std::string& url, int connections) {
  auto db = Database::open(url, connections, Database::OpenMode::kCreateIfMissing);
  if (!db) {
    ADD_FAILURE() << "cannot open " << url << ": " << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

// Every test of the store runs on both backends: one suite, the same expectations.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

// A scheduled run of `team` for the daily slot of `run_date`.
ClaimRequest slot_request(std::optional<TeamId> team, const std::string& run_date, SysTime now) {
  ClaimRequest r;
  r.team = team;
  r.triggered_by = Trigger::kSchedule;
  r.slot_key = run_date;
  r.scheduled_for = now;
  r.run_date = *parse_date(run_date);
  r.purchase_date = "2026-03-10";
  r.instance = "host-a:100";
  r.now = now;
  return r;
}

// A manual run of `team`: no slot.
ClaimRequest manual_request(std::optional<TeamId> team, SysTime now) {
  ClaimRequest r;
  r.team = team;
  r.triggered_by = Trigger::kManual;
  r.run_date = Date{date::floor<date::days>(now)};
  r.instance = "host-a:100";
  r.now = now;
  return r;
}

class RunStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    db_ = open_database(database_.url(), 4);
    ASSERT_NE(db_, nullptr);
    for (std::int64_t id : {1, 2, 3}) {
      auto team = db_->teams().add(TeamId{id}, "Team " + std::to_string(id), {},
                                   utc("2026-01-01T00:00:00Z"));
      ASSERT_TRUE(team.has_value()) << team.error().message;
    }
  }

  RunStore& runs() { return db_->runs(); }

  Claim claim(const ClaimRequest& request) {
    auto c = runs().claim(request);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    return c ? *c : Claim{};
  }

  // Claims and expects the run to start; returns its id.
  std::string start(const ClaimRequest& request) {
    Claim c = claim(request);
    EXPECT_EQ(c.outcome, ClaimOutcome::kClaimed);
    return c.record.run_id.str();
  }

  void finish(const std::string& run_id, RunStatus status, SysTime at) {
    RunFinish f;
    f.run_id = RunId(run_id);
    f.status = status;
    f.exit_code = status == RunStatus::kCompleted ? 0 : 1;
    f.completed_at = at;
    auto done = runs().finish(f);
    EXPECT_TRUE(done.has_value()) << done.error().message;
  }

  RunRecord find(const std::string& run_id) {
    auto r = runs().find(RunId(run_id));
    EXPECT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r.has_value() && r->has_value()) << "no run " << run_id;
    return r && *r ? **r : RunRecord{};
  }

  std::vector<RunRecord> list(const RunFilter& filter) {
    auto r = runs().list(filter);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<RunRecord>{};
  }

  // What the backend's own command-line client prints for `sql`.
  std::string sql(const std::string& query) {
    auto result = database_.query(query);
    EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
    return result.out;
  }

  // Runs `query` expecting the schema to refuse it with a uniqueness violation.
  void expect_unique_violation(const std::string& query) {
    auto result = database_.query(query);
    EXPECT_NE(result.exit_code, 0) << query;
    std::string err = result.err;
    std::transform(err.begin(), err.end(), err.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(err.find("unique"), std::string::npos) << result.err;
  }

  // Claims `request_of(i)` from kRacingClaims threads released at once, the even ones through
  // this service's database and the odd ones through a second service's: each outcome, counted.
  static constexpr int kRacingClaims = 16;
  std::map<ClaimOutcome, int> race_claims(const std::function<ClaimRequest(int)>& request_of) {
    auto other = open_database(database_.url(), 4);
    if (other == nullptr) {
      ADD_FAILURE() << "cannot open a second service's database";
      return {};
    }
    std::latch ready(kRacingClaims);
    std::vector<std::optional<Result<Claim>>> results(kRacingClaims);
    std::vector<std::thread> threads;
    threads.reserve(kRacingClaims);
    for (int i = 0; i < kRacingClaims; ++i) {
      Database* db = i % 2 == 0 ? db_.get() : other.get();
      threads.emplace_back([db, &ready, &results, &request_of, i] {
        ClaimRequest request = request_of(i);
        ready.arrive_and_wait();
        results[static_cast<std::size_t>(i)].emplace(db->runs().claim(request));
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
    std::map<ClaimOutcome, int> outcomes;
    for (const auto& r : results) {
      EXPECT_TRUE(r.has_value() && r->has_value()) << (r ? r->error().message : "no answer");
      if (r && r->has_value()) {
        ++outcomes[(*r)->outcome];
      }
    }
    return outcomes;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

std::vector<std::string> run_ids(const std::vector<RunRecord>& runs) {
  std::vector<std::string> out;
  out.reserve(runs.size());
  for (const RunRecord& r : runs) {
    out.push_back(r.run_id.str());
  }
  return out;
}

TEST_P(RunStoreTest, ClaimingASlotInsertsARunningRow) {
  SysTime now = utc("2026-03-02T07:00:00.042Z");
  Claim c = claim(slot_request(TeamId{1}, "2026-03-02", now));
  ASSERT_EQ(c.outcome, ClaimOutcome::kClaimed);
  EXPECT_EQ(c.record.status, RunStatus::kRunning);
  EXPECT_EQ(c.record.run_id.str().rfind("run_", 0), 0U) << c.record.run_id;
  EXPECT_TRUE(c.busy_run_id.empty());

  RunRecord r = find(c.record.run_id.str());
  EXPECT_EQ(r.run_id, c.record.run_id);
  EXPECT_EQ(r.team, TeamId{1});
  EXPECT_EQ(r.status, RunStatus::kRunning);
  EXPECT_EQ(r.triggered_by, Trigger::kSchedule);
  EXPECT_EQ(r.attempt, 1);
  EXPECT_EQ(r.slot_key, "2026-03-02");
  EXPECT_EQ(iso(r.scheduled_for), "2026-03-02T07:00:00.042Z");
  EXPECT_EQ(format_date(r.run_date), "2026-03-02");
  EXPECT_EQ(r.purchase_date, "2026-03-10");
  EXPECT_EQ(r.instance, "host-a:100");
  EXPECT_EQ(format_utc(r.created_at), "2026-03-02T07:00:00.042Z");
  EXPECT_EQ(iso(r.started_at), "2026-03-02T07:00:00.042Z");
  EXPECT_EQ(iso(r.heartbeat_at), "2026-03-02T07:00:00.042Z");
  EXPECT_EQ(r.completed_at, std::nullopt);
  EXPECT_EQ(r.duration_ms, std::nullopt);
  EXPECT_EQ(sql("SELECT status, sales_team_id, team_key FROM pipeline_runs"), "running|1|1\n");
}

TEST_P(RunStoreTest, ClaimingARecordedSlotAgainGivesAlreadyRecorded) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  std::string run_id = start(slot_request(TeamId{1}, "2026-03-02", now));

  // While it runs, and after it ended.
  Claim again = claim(slot_request(TeamId{1}, "2026-03-02", now + seconds(1)));
  EXPECT_EQ(again.outcome, ClaimOutcome::kAlreadyRecorded);
  EXPECT_TRUE(again.record.run_id.empty());
  finish(run_id, RunStatus::kCompleted, now + minutes(5));
  Claim after = claim(slot_request(TeamId{1}, "2026-03-02", now + minutes(10)));
  EXPECT_EQ(after.outcome, ClaimOutcome::kAlreadyRecorded);
  EXPECT_EQ(list({}).size(), 1U);
}

TEST_P(RunStoreTest, SlotsAreKeptPerTeamAndForTheGeneralRun) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  start(slot_request(TeamId{1}, "2026-03-02", now));
  start(slot_request(TeamId{2}, "2026-03-02", now));
  start(slot_request(std::nullopt, "2026-03-02", now));
  EXPECT_EQ(claim(slot_request(std::nullopt, "2026-03-02", now)).outcome,
            ClaimOutcome::kAlreadyRecorded);
  EXPECT_EQ(sql("SELECT team_key, CAST(sales_team_id IS NULL AS INTEGER) FROM pipeline_runs ORDER "
                "BY team_key"),
            "0|1\n1|0\n2|0\n");
}

TEST_P(RunStoreTest, RetryOfARecordedSlotIsANewAttempt) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  std::string first = start(slot_request(TeamId{1}, "2026-03-02", now));
  finish(first, RunStatus::kFailed, now + minutes(1));
  ClaimRequest retry = slot_request(TeamId{1}, "2026-03-02", now + minutes(2));
  retry.triggered_by = Trigger::kRetry;
  retry.attempt = 2;
  Claim c = claim(retry);
  ASSERT_EQ(c.outcome, ClaimOutcome::kClaimed);
  EXPECT_EQ(find(c.record.run_id.str()).attempt, 2);
  EXPECT_EQ(find(c.record.run_id.str()).triggered_by, Trigger::kRetry);
  EXPECT_EQ(claim(retry).outcome, ClaimOutcome::kAlreadyRecorded);
}

TEST_P(RunStoreTest, ClaimingAnotherSlotWhileTheTeamRunsRecordsItSkipped) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  std::string running = start(slot_request(TeamId{1}, "2026-03-02", now));

  Claim busy = claim(slot_request(TeamId{1}, "2026-03-03", now + minutes(1)));
  EXPECT_EQ(busy.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(busy.busy_run_id.str(), running);
  EXPECT_EQ(busy.record.status, RunStatus::kSkipped);
  ASSERT_FALSE(busy.record.run_id.empty());

  RunRecord skipped = find(busy.record.run_id.str());
  EXPECT_EQ(skipped.status, RunStatus::kSkipped);
  EXPECT_EQ(skipped.slot_key, "2026-03-03");
  EXPECT_NE(skipped.error.find(running), std::string::npos) << skipped.error;
  EXPECT_EQ(iso(skipped.completed_at), format_utc(now + minutes(1)));
  EXPECT_EQ(skipped.started_at, std::nullopt);

  // The skipped slot is recorded: it does not run later either.
  finish(running, RunStatus::kCompleted, now + minutes(2));
  EXPECT_EQ(claim(slot_request(TeamId{1}, "2026-03-03", now + minutes(3))).outcome,
            ClaimOutcome::kAlreadyRecorded);
  // Another team is not held up.
  EXPECT_EQ(claim(slot_request(TeamId{2}, "2026-03-03", now + minutes(1))).outcome,
            ClaimOutcome::kClaimed);
}

// A rerun or retry that finds its team busy (a manual run, say) records nothing: a `skipped` row
// would end the slot for good, and the team's day with it.
TEST_P(RunStoreTest, LaterAttemptWhileTheTeamRunsRecordsNothingAndCanClaimLater) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  std::string lost = start(slot_request(TeamId{1}, "2026-03-02", now));
  finish(lost, RunStatus::kAbandoned, now + minutes(1));
  std::string manual = start(manual_request(TeamId{1}, now + minutes(2)));
  ClaimRequest rerun = slot_request(TeamId{1}, "2026-03-02", now + minutes(3));
  rerun.triggered_by = Trigger::kRetry;
  rerun.attempt = 2;
  Claim busy = claim(rerun);
  EXPECT_EQ(busy.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(busy.busy_run_id.str(), manual);
  EXPECT_TRUE(busy.record.run_id.empty());
  finish(manual, RunStatus::kCompleted, now + minutes(4));
  EXPECT_EQ(claim(rerun).outcome, ClaimOutcome::kClaimed);
}

TEST_P(RunStoreTest, ManualClaimWhileTheTeamRunsRecordsNothing) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  std::string running = start(slot_request(TeamId{1}, "2026-03-02", now));
  Claim busy = claim(manual_request(TeamId{1}, now + minutes(1)));
  EXPECT_EQ(busy.outcome, ClaimOutcome::kTeamBusy);
  EXPECT_EQ(busy.busy_run_id.str(), running);
  EXPECT_TRUE(busy.record.run_id.empty());
  RunFilter filter;
  filter.team = TeamFilter{TeamId{1}};
  EXPECT_EQ(run_ids(list(filter)), std::vector<std::string>{running});
}

TEST_P(RunStoreTest, ManualRunsOfOneTeamDoNotOverlap) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  std::string first = start(manual_request(TeamId{3}, now));
  EXPECT_EQ(claim(manual_request(TeamId{3}, now + seconds(1))).outcome, ClaimOutcome::kTeamBusy);
  finish(first, RunStatus::kCompleted, now + seconds(2));
  Claim second = claim(manual_request(TeamId{3}, now + seconds(3)));
  EXPECT_EQ(second.outcome, ClaimOutcome::kClaimed);
  EXPECT_EQ(find(second.record.run_id.str()).slot_key, std::nullopt);
}

TEST_P(RunStoreTest, FinishStoresTheOutcomeAndFreesTheTeam) {
  SysTime started = utc("2026-03-02T07:00:00.000Z");
  std::string run_id = start(slot_request(TeamId{1}, "2026-03-02", started));

  RunFinish f;
  f.run_id = RunId(run_id);
  f.status = RunStatus::kCompleted;
  f.exit_code = 0;
  f.inputs = R"(["input/tape_1.csv","input/tape_2.csv"])";
  f.metrics = R"({"total_loans":120,"exceptions_count":3})";
  f.total_loans = 120;
  f.exceptions_count = 3;
  f.log_path = "/data/teams/1/output/logs/run.log";
  f.completed_at = started + milliseconds(90500);
  auto done = runs().finish(f);
  ASSERT_TRUE(done.has_value()) << done.error().message;

  RunRecord r = find(run_id);
  EXPECT_EQ(r.status, RunStatus::kCompleted);
  EXPECT_EQ(r.exit_code, 0);
  // Compared as JSON: PostgreSQL's jsonb keeps the value, not the spacing or the key order.
  EXPECT_EQ(nlohmann::json::parse(r.inputs), nlohmann::json::parse(f.inputs));
  EXPECT_EQ(nlohmann::json::parse(r.metrics), nlohmann::json::parse(f.metrics));
  EXPECT_EQ(r.total_loans, 120);
  EXPECT_EQ(r.exceptions_count, 3);
  EXPECT_EQ(r.log_path, f.log_path);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(iso(r.completed_at), "2026-03-02T07:01:30.500Z");
  EXPECT_EQ(r.duration_ms, 90500);

  Claim next = claim(manual_request(TeamId{1}, started + minutes(5)));
  EXPECT_EQ(next.outcome, ClaimOutcome::kClaimed);

  // An end is recorded once: a second one (say, after the run was abandoned) changes nothing.
  f.status = RunStatus::kFailed;
  auto again = runs().finish(f);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(find(run_id).status, RunStatus::kCompleted);
}

TEST_P(RunStoreTest, FinishStoresAFailure) {
  SysTime started = utc("2026-03-02T07:00:00Z");
  std::string run_id = start(manual_request(TeamId{2}, started));
  RunFinish f;
  f.run_id = RunId(run_id);
  f.status = RunStatus::kTimedOut;
  f.error = "killed after 3600 s";
  f.completed_at = started + minutes(60);
  ASSERT_TRUE(runs().finish(f).has_value());
  RunRecord r = find(run_id);
  EXPECT_EQ(r.status, RunStatus::kTimedOut);
  EXPECT_EQ(r.exit_code, std::nullopt);
  EXPECT_EQ(r.error, "killed after 3600 s");
  EXPECT_EQ(r.total_loans, std::nullopt);
  EXPECT_EQ(r.duration_ms, 3600000);
}

// What a waiting run waits for is rewritten by the service that holds it, and by no other; a
// run that has started keeps its cleared reason.
TEST_P(RunStoreTest, AWaitingRunsReasonIsRewrittenOnlyByItsHolderWhileItWaits) {
  const SysTime now = utc("2026-03-05T02:00:00Z");
  ClaimRequest request = slot_request(TeamId{1}, "2026-03-05", now);
  request.start_as = RunStatus::kWaiting;
  request.reason = "waiting for a.csv, the general run's run of 2026-03-05 (running)";
  const RunId id(start(request));
  ASSERT_EQ(find(id.str()).status, RunStatus::kWaiting);

  auto noted = runs().note_waiting(id, "host-a:100", "waiting for a.csv");
  ASSERT_TRUE(noted.has_value()) << noted.error().message;
  EXPECT_EQ(find(id.str()).error, "waiting for a.csv");
  EXPECT_EQ(find(id.str()).status, RunStatus::kWaiting);

  auto not_its = runs().note_waiting(id, "host-b:200", "waiting for b.csv");
  ASSERT_FALSE(not_its.has_value());
  EXPECT_EQ(not_its.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(find(id.str()).error, "waiting for a.csv");

  auto started = runs().start_waiting(id, "host-a:100", now + std::chrono::seconds(5));
  ASSERT_TRUE(started.has_value()) << started.error().message;
  ASSERT_EQ(*started, WaitingStart::kStarted);
  auto late = runs().note_waiting(id, "host-a:100", "waiting for c.csv");
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(find(id.str()).error, "");
}

TEST_P(RunStoreTest, RecordsAMissedSlotOnce) {
  SysTime now = utc("2026-03-02T09:00:00Z");
  ClaimRequest request = slot_request(TeamId{1}, "2026-03-02", now);
  request.triggered_by = Trigger::kCatchup;
  request.scheduled_for = utc("2026-03-02T07:00:00Z");
  auto missed = runs().record_missed(request, "past the grace window");
  ASSERT_TRUE(missed.has_value()) << missed.error().message;
  ASSERT_TRUE(missed->has_value());
  RunRecord r = find((*missed)->run_id.str());
  EXPECT_EQ(r.status, RunStatus::kMissed);
  EXPECT_EQ(r.error, "past the grace window");
  EXPECT_EQ(r.slot_key, "2026-03-02");
  EXPECT_EQ(iso(r.scheduled_for), "2026-03-02T07:00:00.000Z");
  EXPECT_EQ(iso(r.completed_at), "2026-03-02T09:00:00.000Z");
  EXPECT_EQ(r.started_at, std::nullopt);

  auto again = runs().record_missed(request, "past the grace window");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, std::nullopt);
  EXPECT_EQ(claim(slot_request(TeamId{1}, "2026-03-02", now)).outcome,
            ClaimOutcome::kAlreadyRecorded);
  EXPECT_EQ(list({}).size(), 1U);
}

TEST_P(RunStoreTest, DoesNotRecordMissedASlotThatRan) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  start(slot_request(TeamId{1}, "2026-03-02", now));
  auto missed = runs().record_missed(slot_request(TeamId{1}, "2026-03-02", now + minutes(90)),
                                     "past the grace window");
  ASSERT_TRUE(missed.has_value());
  EXPECT_EQ(*missed, std::nullopt);
  EXPECT_EQ(list({}).size(), 1U);
}

TEST_P(RunStoreTest, AbandonsRunningRunsWhoseHeartbeatIsStale) {
  SysTime t0 = utc("2026-03-02T07:00:00Z");
  ClaimRequest a = slot_request(TeamId{1}, "2026-03-02", t0);
  a.instance = "host-a:100";
  ClaimRequest b = slot_request(TeamId{2}, "2026-03-02", t0);
  b.instance = "host-b:200";
  std::string alive = start(a);
  std::string dead = start(b);
  std::string finished = start(slot_request(TeamId{3}, "2026-03-02", t0));
  finish(finished, RunStatus::kCompleted, t0 + seconds(10));

  ASSERT_TRUE(runs().heartbeat({RunId(alive)}, t0 + seconds(60)).has_value());
  EXPECT_EQ(iso(find(alive).heartbeat_at), format_utc(t0 + seconds(60)));
  EXPECT_EQ(iso(find(dead).heartbeat_at), format_utc(t0));

  auto abandoned = runs().abandon_stale(t0 + seconds(30), t0 + seconds(90));
  ASSERT_TRUE(abandoned.has_value()) << abandoned.error().message;
  ASSERT_EQ(abandoned->size(), 1U);
  EXPECT_EQ((*abandoned)[0].run_id.str(), dead);
  EXPECT_EQ((*abandoned)[0].status, RunStatus::kAbandoned);

  RunRecord r = find(dead);
  EXPECT_EQ(r.status, RunStatus::kAbandoned);
  EXPECT_EQ(iso(r.completed_at), format_utc(t0 + seconds(90)));
  EXPECT_NE(r.error.find("host-b:200"), std::string::npos) << r.error;
  EXPECT_EQ(find(alive).status, RunStatus::kRunning);
  EXPECT_EQ(find(finished).status, RunStatus::kCompleted);

  // The team of the dead service is free again; nothing is stale twice.
  EXPECT_EQ(claim(manual_request(TeamId{2}, t0 + seconds(100))).outcome, ClaimOutcome::kClaimed);
  auto none = runs().abandon_stale(t0 + seconds(30), t0 + seconds(120));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST_P(RunStoreTest, GivesTheLatestSlotKeyPerTeam) {
  SysTime now = utc("2026-03-05T07:00:00Z");
  finish(start(slot_request(TeamId{1}, "2026-03-01", now)), RunStatus::kCompleted, now);
  finish(start(slot_request(TeamId{1}, "2026-03-03", now)), RunStatus::kFailed, now);
  ASSERT_TRUE(runs().record_missed(slot_request(TeamId{1}, "2026-03-02", now), "late").has_value());
  ASSERT_TRUE(runs().record_missed(slot_request(TeamId{2}, "2026-03-05", now), "late").has_value());
  finish(start(slot_request(std::nullopt, "2026-03-04", now)), RunStatus::kCompleted, now);
  finish(start(manual_request(TeamId{3}, now)), RunStatus::kCompleted, now);

  auto keys = runs().last_slot_keys();
  ASSERT_TRUE(keys.has_value()) << keys.error().message;
  EXPECT_EQ(*keys, (std::map<RunOwner, std::string>{{RunOwner{std::nullopt}, "2026-03-04"},
                                                    {RunOwner{TeamId{1}}, "2026-03-03"},
                                                    {RunOwner{TeamId{2}}, "2026-03-05"}}));
}

TEST_P(RunStoreTest, ListsNewestFirstWithFilters) {
  SysTime t0 = utc("2026-03-01T07:00:00Z");
  // Team 1: completed, missed, completed; team 2: failed; general: completed.
  std::string a = start(slot_request(TeamId{1}, "2026-03-01", t0));
  finish(a, RunStatus::kCompleted, t0 + minutes(1));
  std::string b = start(slot_request(TeamId{2}, "2026-03-01", t0 + minutes(2)));
  finish(b, RunStatus::kFailed, t0 + minutes(3));
  auto missed =
      runs().record_missed(slot_request(TeamId{1}, "2026-03-02", t0 + date::days(1)), "late");
  ASSERT_TRUE(missed.has_value() && missed->has_value());
  std::string c = (*missed)->run_id.str();
  std::string d = start(slot_request(std::nullopt, "2026-03-03", t0 + date::days(2)));
  finish(d, RunStatus::kCompleted, t0 + date::days(2) + minutes(1));
  std::string e = start(slot_request(TeamId{1}, "2026-03-03", t0 + date::days(2) + minutes(5)));
  finish(e, RunStatus::kCompleted, t0 + date::days(2) + minutes(6));

  EXPECT_EQ(run_ids(list({})), (std::vector<std::string>{e, d, c, b, a}));

  RunFilter team1;
  team1.team = TeamFilter{TeamId{1}};
  EXPECT_EQ(run_ids(list(team1)), (std::vector<std::string>{e, c, a}));

  RunFilter general;
  general.team = TeamFilter{std::nullopt};
  EXPECT_EQ(run_ids(list(general)), (std::vector<std::string>{d}));

  RunFilter completed;
  completed.status = RunStatus::kCompleted;
  EXPECT_EQ(run_ids(list(completed)), (std::vector<std::string>{e, d, a}));

  RunFilter team1_completed = team1;
  team1_completed.status = RunStatus::kCompleted;
  EXPECT_EQ(run_ids(list(team1_completed)), (std::vector<std::string>{e, a}));

  RunFilter since;
  since.since = t0 + date::days(1);  // created at or after
  EXPECT_EQ(run_ids(list(since)), (std::vector<std::string>{e, d, c}));

  RunFilter limited;
  limited.limit = 2;
  EXPECT_EQ(run_ids(list(limited)), (std::vector<std::string>{e, d}));

  // The failure streak's view: statuses only, newest first, one team, limited.
  using Statuses = std::vector<RunStatus>;
  EXPECT_EQ(runs().recent_statuses(RunOwner{TeamId{1}}, 10).value(),
            (Statuses{RunStatus::kCompleted, RunStatus::kMissed, RunStatus::kCompleted}));
  EXPECT_EQ(runs().recent_statuses(RunOwner{TeamId{1}}, 2).value(),
            (Statuses{RunStatus::kCompleted, RunStatus::kMissed}));
  EXPECT_EQ(runs().recent_statuses(RunOwner{TeamId{2}}, 10).value(),
            (Statuses{RunStatus::kFailed}));
  EXPECT_EQ(runs().recent_statuses(RunOwner{std::nullopt}, 10).value(),
            (Statuses{RunStatus::kCompleted}));
  EXPECT_TRUE(runs().recent_statuses(RunOwner{TeamId{9}}, 10).value().empty());

  RunFilter all_filters;
  all_filters.team = TeamFilter{TeamId{1}};
  all_filters.status = RunStatus::kCompleted;
  all_filters.since = t0 + minutes(1);
  all_filters.limit = 5;
  EXPECT_EQ(run_ids(list(all_filters)), (std::vector<std::string>{e}));

  RunFilter nobody;
  nobody.team = TeamFilter{TeamId{3}};
  EXPECT_TRUE(list(nobody).empty());
}

TEST_P(RunStoreTest, FindsNothingForAnUnknownRunId) {
  auto r = runs().find(RunId("run_0000000000000000"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, std::nullopt);
}

TEST_P(RunStoreTest, RefusesARunOfAnUnknownTeam) {
  // sales_team_id references sales_teams.
  auto c = runs().claim(slot_request(TeamId{99}, "2026-03-02", utc("2026-03-02T07:00:00Z")));
  EXPECT_FALSE(c.has_value());
}

// Two services ("processes") sharing the file race for one slot from 8 threads each.
TEST_P(RunStoreTest, OnlyOneOfManyRacingServicesClaimsASlot) {
  const SysTime now = utc("2026-03-02T07:00:00Z");
  auto outcomes = race_claims([now](int i) {
    ClaimRequest request = slot_request(TeamId{1}, "2026-03-02", now);
    request.instance = "host-" + std::to_string(i % 2) + ":" + std::to_string(i);
    return request;
  });
  EXPECT_EQ(outcomes[ClaimOutcome::kClaimed], 1);
  EXPECT_EQ(outcomes[ClaimOutcome::kAlreadyRecorded], kRacingClaims - 1);
  EXPECT_EQ(sql("SELECT COUNT(*) FROM pipeline_runs WHERE team_key = 1"), "1\n");
}

// The same race for different slots of one team: one runs, every other slot is skipped.
TEST_P(RunStoreTest, OnlyOneOfManyRacingSlotsOfATeamRuns) {
  const SysTime now = utc("2026-03-02T07:00:00Z");
  auto outcomes = race_claims(
      [now](int i) { return slot_request(TeamId{2}, "2026-04-" + std::to_string(10 + i), now); });
  EXPECT_EQ(outcomes[ClaimOutcome::kClaimed], 1);
  EXPECT_EQ(outcomes[ClaimOutcome::kTeamBusy], kRacingClaims - 1);
  EXPECT_EQ(sql("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status ORDER BY status"),
            "running|1\nskipped|" + std::to_string(kRacingClaims - 1) + "\n");
}

// Manual runs have no slot: only the index on the owner's running row keeps racing claims of
// two services from starting the team twice.
TEST_P(RunStoreTest, OnlyOneOfManyRacingManualRunsOfATeamStarts) {
  const SysTime now = utc("2026-03-02T07:00:00Z");
  auto outcomes = race_claims([now](int) { return manual_request(TeamId{3}, now); });
  EXPECT_EQ(outcomes[ClaimOutcome::kClaimed], 1);
  EXPECT_EQ(outcomes[ClaimOutcome::kTeamBusy], kRacingClaims - 1);
  EXPECT_EQ(sql("SELECT status, COUNT(*) FROM pipeline_runs GROUP BY status"), "running|1\n");
}

TEST_P(RunStoreTest, TheDatabaseRefusesASecondRunningRowOfATeam) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  start(manual_request(TeamId{1}, now));

  // Straight into the database with its own client: no store code to stop it, only the schema.
  expect_unique_violation(
      "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, status, triggered_by, "
      "run_date, created_at) VALUES ('run_cli_1', 1, 1, 'running', 'manual', '2026-03-02', "
      "'2026-03-02T07:01:00.000Z');");

  // The index is partial: rows in other states, and running rows of other teams, go in.
  sql("INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, status, triggered_by, "
      "run_date, created_at) VALUES ('run_cli_2', 1, 1, 'completed', 'manual', '2026-03-02', "
      "'2026-03-02T07:02:00.000Z');");
  sql("INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, status, triggered_by, "
      "run_date, created_at) VALUES ('run_cli_3', 2, 2, 'running', 'manual', '2026-03-02', "
      "'2026-03-02T07:03:00.000Z');");
  EXPECT_EQ(sql("SELECT COUNT(*) FROM pipeline_runs WHERE status = 'running'"), "2\n");
}

TEST_P(RunStoreTest, TheDatabaseRefusesASecondRowForASlot) {
  SysTime now = utc("2026-03-02T07:00:00Z");
  finish(start(slot_request(TeamId{1}, "2026-03-02", now)), RunStatus::kCompleted, now);
  expect_unique_violation(
      "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, status, triggered_by, "
      "attempt, slot_key, run_date, created_at) VALUES ('run_cli_1', 1, 1, 'missed', "
      "'schedule', 1, '2026-03-02', '2026-03-02', '2026-03-02T09:00:00.000Z');");
}

TEST_P(RunStoreTest, TheSeedQueryListsATeamsRunsNewestFirst) {
  SysTime t0 = utc("2026-03-01T07:00:00Z");
  std::string first = start(slot_request(TeamId{1}, "2026-03-01", t0));
  RunFinish f;
  f.run_id = RunId(first);
  f.status = RunStatus::kCompleted;
  f.exit_code = 0;
  f.total_loans = 120;
  f.exceptions_count = 3;
  f.completed_at = t0 + minutes(2);
  ASSERT_TRUE(runs().finish(f).has_value());
  std::string other_team = start(slot_request(TeamId{2}, "2026-03-01", t0 + minutes(1)));
  auto missed =
      runs().record_missed(slot_request(TeamId{1}, "2026-03-02", t0 + date::days(1)), "late");
  ASSERT_TRUE(missed.has_value() && missed->has_value());
  std::string second = (*missed)->run_id.str();
  std::string third = start(manual_request(TeamId{1}, t0 + date::days(2)));

  std::string out =
      sql("SELECT run_id, status, sales_team_id, total_loans, exceptions_count, started_at, "
          "completed_at FROM pipeline_runs WHERE sales_team_id = 1 ORDER BY created_at DESC;");
  // Each database prints times its own way: SQLite the stored UTC text, PostgreSQL timestamptz
  // in the client's zone (UTC here).
  auto t = [](const std::string& sqlite, const std::string& postgres) {
    return GetParam() == Backend::kSqlite ? sqlite : postgres;
  };
  EXPECT_EQ(
      lines(out),
      (std::vector<std::string>{
          third + "|running|1|||" + t("2026-03-03T07:00:00.000Z", "2026-03-03 07:00:00+00") + "|",
          second + "|missed|1|||" + "|" + t("2026-03-02T07:00:00.000Z", "2026-03-02 07:00:00+00"),
          first + "|completed|1|120|3|" + t("2026-03-01T07:00:00.000Z", "2026-03-01 07:00:00+00") +
              "|" + t("2026-03-01T07:02:00.000Z", "2026-03-01 07:02:00+00"),
      }));
  EXPECT_EQ(out.find(other_team), std::string::npos);
}

class ServiceRegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!database_.available()) {
      GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
    }
    db_ = open_database(database_.url(), 2);
    ASSERT_NE(db_, nullptr);
  }

  ServiceRegistry& registry() { return db_->registry(); }

  std::vector<ServiceInstance> live(SysTime since) {
    auto r = registry().live(since);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<ServiceInstance>{};
  }

  static ServiceInstance instance(const std::string& host, std::int64_t pid, SysTime now) {
    ServiceInstance s;
    s.instance = host + ":" + std::to_string(pid);
    s.host = host;
    s.pid = pid;
    s.started_at = now;
    s.heartbeat_at = now;
    return s;
  }

  testing::TempDir dir_;
  testing::TestDatabase database_{GetParam(), dir_.path()};
  std::unique_ptr<Database> db_;
};

std::vector<std::string> names(const std::vector<ServiceInstance>& services) {
  std::vector<std::string> out;
  out.reserve(services.size());
  for (const ServiceInstance& s : services) {
    out.push_back(s.instance);
  }
  return out;
}

TEST_P(ServiceRegistryTest, RegistersAndListsLiveServices) {
  SysTime t0 = utc("2026-03-02T07:00:00.125Z");
  ASSERT_TRUE(registry().register_instance(instance("beta", 200, t0)).has_value());
  ASSERT_TRUE(registry().register_instance(instance("alpha", 100, t0)).has_value());

  auto services = live(t0);
  ASSERT_EQ(names(services), (std::vector<std::string>{"alpha:100", "beta:200"}));
  EXPECT_EQ(services[0].host, "alpha");
  EXPECT_EQ(services[0].pid, 100);
  EXPECT_EQ(format_utc(services[0].started_at), "2026-03-02T07:00:00.125Z");
  EXPECT_EQ(format_utc(services[0].heartbeat_at), "2026-03-02T07:00:00.125Z");
  EXPECT_EQ(services[0].applied_generation, 0);
}

TEST_P(ServiceRegistryTest, LiveKeepsServicesWhoseHeartbeatIsRecent) {
  SysTime t0 = utc("2026-03-02T07:00:00Z");
  ASSERT_TRUE(registry().register_instance(instance("alpha", 100, t0)).has_value());
  ASSERT_TRUE(registry().register_instance(instance("beta", 200, t0)).has_value());
  ASSERT_TRUE(registry().heartbeat("alpha:100", t0 + seconds(60)).has_value());

  auto services = live(t0 + seconds(30));
  ASSERT_EQ(names(services), std::vector<std::string>{"alpha:100"});
  EXPECT_EQ(services[0].heartbeat_at, t0 + seconds(60));
  EXPECT_EQ(services[0].started_at, t0);
  EXPECT_EQ(names(live(t0 + seconds(60))), std::vector<std::string>{"alpha:100"});
  EXPECT_TRUE(live(t0 + seconds(61)).empty());
}

TEST_P(ServiceRegistryTest, BumpsAndAcknowledgesTheScheduleGeneration) {
  SysTime t0 = utc("2026-03-02T07:00:00Z");
  ASSERT_TRUE(registry().register_instance(instance("alpha", 100, t0)).has_value());
  ASSERT_TRUE(registry().register_instance(instance("beta", 200, t0)).has_value());

  auto generation = registry().generation();
  ASSERT_TRUE(generation.has_value());
  EXPECT_EQ(*generation, 0);
  auto first = registry().bump_generation();
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(*first, 1);
  auto second = registry().bump_generation();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, 2);
  generation = registry().generation();
  ASSERT_TRUE(generation.has_value());
  EXPECT_EQ(*generation, 2);

  ASSERT_TRUE(registry().acknowledge("alpha:100", 2).has_value());
  auto services = live(t0);
  ASSERT_EQ(services.size(), 2U);
  EXPECT_EQ(services[0].applied_generation, 2);
  EXPECT_EQ(services[1].applied_generation, 0);
}

TEST_P(ServiceRegistryTest, DeregisteredServicesAreGone) {
  SysTime t0 = utc("2026-03-02T07:00:00Z");
  ASSERT_TRUE(registry().register_instance(instance("alpha", 100, t0)).has_value());
  ASSERT_TRUE(registry().register_instance(instance("beta", 200, t0)).has_value());
  ASSERT_TRUE(registry().deregister("alpha:100").has_value());
  EXPECT_EQ(names(live(SysTime{})), std::vector<std::string>{"beta:200"});
  ASSERT_TRUE(registry().deregister("alpha:100").has_value());  // again: nothing to do
}

TEST_P(ServiceRegistryTest, RegisteringAgainReplacesTheEntry) {
  SysTime t0 = utc("2026-03-02T07:00:00Z");
  ServiceInstance s = instance("alpha", 100, t0);
  s.applied_generation = 3;
  ASSERT_TRUE(registry().register_instance(s).has_value());
  ServiceInstance restarted = instance("alpha", 100, t0 + minutes(5));
  ASSERT_TRUE(registry().register_instance(restarted).has_value());
  auto services = live(SysTime{});
  ASSERT_EQ(services.size(), 1U);
  EXPECT_EQ(services[0].started_at, t0 + minutes(5));
  EXPECT_EQ(services[0].applied_generation, 0);
}

TEST_P(ServiceRegistryTest, TheGenerationIsSharedByEveryServiceOfTheDatabase) {
  auto other = open_database(database_.url(), 1);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(registry().bump_generation().has_value());
  auto seen = other->registry().generation();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(*seen, 1);
  auto bumped = other->registry().bump_generation();
  ASSERT_TRUE(bumped.has_value());
  EXPECT_EQ(*bumped, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);
INSTANTIATE_TEST_SUITE_P(Backends, ServiceRegistryTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_test_name);

}  // namespace
}  // namespace orch
