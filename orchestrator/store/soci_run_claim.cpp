// Recording runs: a run's claim of its slot (and its row), a missed slot (a run's end:
// soci_run_end.cpp).
#include <random>
#include <string_view>
#include <utility>

#include "orchestrator/store/soci_run_statements.h"
#include "orchestrator/store/soci_stores.h"

namespace orch::store {

std::string new_run_id() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::uint64_t value = engine();
  std::string id = "run_";
  for (int shift = 60; shift >= 0; shift -= 4) {
    id += kHex[(value >> shift) & 0xF];
  }
  return id;
}

namespace {

// Binds the row of a new run with the given status and returns the run as it will be recorded.
RunRecord bind_row(RunStatements& statements, const ClaimRequest& request, RunStatus status,
                   const std::string& error) {
  RunRecord r;
  r.run_id = RunId(new_run_id());
  r.team = request.team;
  r.pipeline = request.pipeline;
  r.status = status;
  r.triggered_by = request.triggered_by;
  r.attempt = request.attempt;
  r.slot_key = request.slot_key;
  r.schedule_note = request.schedule_note;
  r.scheduled_for = request.scheduled_for;
  r.run_date = request.run_date;
  r.purchase_date = request.purchase_date;
  r.error = error;
  r.instance = request.instance;
  r.created_at = request.now;
  if (status == RunStatus::kRunning) {
    r.started_at = request.now;
    r.heartbeat_at = request.now;
  } else if (status == RunStatus::kWaiting) {
    r.heartbeat_at = request.now;  // held by its service, which keeps it alive
  } else {
    r.completed_at = request.now;
  }

  RunStatements::Row& row = statements.row;
  row.run_id = r.run_id.str();
  row.team =
      NullableInt(request.team ? std::optional<std::int64_t>(request.team->value) : std::nullopt);
  row.key = team_key(request.team);
  row.pipeline = request.pipeline;
  row.status = to_string(status);
  row.trigger = to_string(request.triggered_by);
  row.attempt = r.attempt;
  row.slot = NullableText(request.slot_key);
  row.scheduled = time_text(request.scheduled_for);
  row.run_date = format_date(r.run_date);
  row.purchase = NullableText::unless_empty(request.purchase_date);
  row.error = NullableText::unless_empty(error);
  row.instance = r.instance;
  row.created = format_utc(request.now);
  row.started = time_text(r.started_at);
  row.completed = time_text(r.completed_at);
  row.heartbeat = time_text(r.heartbeat_at);
  row.note = NullableText(request.schedule_note.empty()
                              ? std::nullopt
                              : std::optional<std::string>(request.schedule_note));
  return r;
}

// Inserts the run's row with the given status and returns it as recorded.
RunRecord insert(RunStatements& statements, const ClaimRequest& request, RunStatus status,
                 const std::string& error) {
  RunRecord r = bind_row(statements, request, status, error);
  statements.insert_row.execute(true);
  return r;
}

// The common claim, the slot not recorded and the owner not running, in one statement outside a
// transaction: one round trip and one commit. The unique indexes decide
// (pipeline_runs_one_per_slot: this attempt of the slot is recorded; pipeline_runs_one_running: a
// `running` row of the owner), also against a service that inserts at the same moment. When they
// refuse the row, nothing is recorded and claim_once()'s transaction tells why (already recorded,
// busy, waiting).
std::optional<Claim> claim_directly(RunStatements& statements, const ClaimRequest& request) {
  const std::string error = request.start_as == RunStatus::kRunning ? "" : request.reason;
  RunRecord r = bind_row(statements, request, request.start_as, error);
  statements.insert_new_row.execute(true);
  if (statements.insert_new_row.get_affected_rows() == 0) {
    return std::nullopt;
  }
  return Claim{ClaimOutcome::kClaimed, std::move(r), {}};
}

// Whether the owner has a `waiting` run: buffer-one keeps at most one slot waiting for a busy
// owner.
bool has_waiting_run(soci::session& sql, const ClaimRequest& request) {
  std::int64_t key = team_key(request.team);
  std::string pipeline = request.pipeline;
  std::int64_t waiting = 0;
  sql << "SELECT COUNT(*) FROM pipeline_runs WHERE team_key = :key AND pipeline = :pipeline AND "
         "status = 'waiting'",
      soci::use(key, "key"), soci::use(pipeline, "pipeline"), soci::into(waiting);
  return waiting > 0;
}

}  // namespace

Result<Claim> SociRunStore::claim(const ClaimRequest& request) {
  // A unique index can catch a race the reads in claim_once() could not see: another service
  // inserted between our read and our write (PostgreSQL, read committed). Its row is committed
  // by the time the index answers, so trying again reads it and gives the database's answer
  // (already recorded, or busy and recorded `skipped`).
  for (int attempt = 1;; ++attempt) {
    auto claim = claim_once(request);
    if (claim || claim.error().code != ErrorCode::kAborted || attempt == 3) {
      return claim;
    }
  }
}

Result<Claim> SociRunStore::claim_once(const ClaimRequest& request) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    auto& statements = lease.prepared<RunStatements>();
    if (auto claim = claim_directly(statements, request)) {
      return std::move(*claim);
    }
    WriteTransaction tx(sql, statements.transaction);
    // Whether this attempt of the slot is recorded already, and the team's running run if any:
    // both in one statement, as this is on every run's path.
    RunStatements::Claim& read = statements.claim;
    read.key = team_key(request.team);
    read.pipeline = request.pipeline;
    read.slot = request.slot_key.value_or("");
    read.attempt = request.attempt;
    read.busy_ind = soci::i_null;
    soci::statement& st = request.slot_key ? statements.read_slot : statements.read_busy;
    st.execute(true);
    st.fetch();  // to its end, which lets go of the read
    if (read.recorded > 0) {
      return Claim{ClaimOutcome::kAlreadyRecorded, {}, {}};
    }
    if (request.start_as != RunStatus::kRunning) {
      // A waiting run holds no process: the owner's running run, if any, matters at its start.
      // An upstream_failed one never starts.
      Claim claim{ClaimOutcome::kClaimed,
                  insert(statements, request, request.start_as, request.reason),
                  {}};
      tx.commit();
      return claim;
    }
    if (read.busy_ind == soci::i_ok && request.buffer_if_busy && request.slot_key &&
        request.attempt == 1 && !has_waiting_run(sql, request)) {
      Claim claim{ClaimOutcome::kClaimed,
                  insert(statements, request, RunStatus::kWaiting,
                         "waiting for " + read.busy + " to end (overlap=buffer-one)"),
                  RunId(read.busy)};
      tx.commit();
      return claim;
    }
    if (read.busy_ind == soci::i_ok) {
      Claim claim{ClaimOutcome::kTeamBusy, {}, RunId(read.busy)};
      if (request.slot_key && request.attempt == 1) {
        std::string owner = describe_team(request.team);
        if (request.pipeline != kDefaultPipeline) {
          owner += "'s " + request.pipeline + " pipeline";
        }
        claim.record = insert(statements, request, RunStatus::kSkipped,
                              owner + " was still running " + read.busy);
      }
      tx.commit();
      return claim;
    }
    Claim claim{ClaimOutcome::kClaimed, insert(statements, request, RunStatus::kRunning, ""), {}};
    tx.commit();
    return claim;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the start of a run");
  }
}

Result<std::optional<RunRecord>> SociRunStore::record_missed(const ClaimRequest& request,
                                                             const std::string& reason) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::int64_t key = team_key(request.team);
    std::int64_t recorded = 0;
    std::string pipeline = request.pipeline;
    std::string slot = request.slot_key.value_or("");
    sql << "SELECT COUNT(*) FROM pipeline_runs WHERE team_key = :key AND pipeline = :pipeline "
           "AND slot_key = :slot",
        soci::use(key, "key"), soci::use(pipeline, "pipeline"), soci::use(slot, "slot"),
        soci::into(recorded);
    if (recorded > 0) {
      return std::optional<RunRecord>();
    }
    RunRecord r = insert(lease.prepared<RunStatements>(), request, RunStatus::kMissed, reason);
    tx.commit();
    return std::optional<RunRecord>(std::move(r));
  } catch (const std::exception& e) {
    Error error = db_.to_error(e, "cannot record a missed slot");
    if (error.code == ErrorCode::kAborted) {
      return std::optional<RunRecord>();
    }
    return error;
  }
}

}  // namespace orch::store
