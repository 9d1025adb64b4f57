#include <random>
#include <utility>

#include "orchestrator/store/soci_stores.h"

namespace orch::store {
namespace {

// Every column of pipeline_runs, bound for reading; dates and JSON are read as text so that both
// dialects give the same strings.
struct RunRow {
  long long id = 0;
  std::string run_id;
  NullableInt sales_team_id;
  std::string pipeline;
  std::string status;
  std::string triggered_by;
  int attempt = 1;
  NullableText slot_key, scheduled_for, run_date, purchase_date, schedule_note;
  NullableInt total_loans, exceptions_count, exit_code;
  NullableText error, inputs, metrics, log_path, instance;
  std::string created_at;
  NullableText started_at, completed_at, heartbeat_at;
  NullableInt duration_ms;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(run_id));
    st.exchange(soci::into(sales_team_id.value, sales_team_id.ind));
    st.exchange(soci::into(pipeline));
    st.exchange(soci::into(status));
    st.exchange(soci::into(triggered_by));
    st.exchange(soci::into(attempt));
    for (NullableText* t : {&slot_key, &scheduled_for, &run_date, &purchase_date, &schedule_note}) {
      st.exchange(soci::into(t->value, t->ind));
    }
    for (NullableInt* i : {&total_loans, &exceptions_count, &exit_code}) {
      st.exchange(soci::into(i->value, i->ind));
    }
    for (NullableText* t : {&error, &inputs, &metrics, &log_path, &instance}) {
      st.exchange(soci::into(t->value, t->ind));
    }
    st.exchange(soci::into(created_at));
    for (NullableText* t : {&started_at, &completed_at, &heartbeat_at}) {
      st.exchange(soci::into(t->value, t->ind));
    }
    st.exchange(soci::into(duration_ms.value, duration_ms.ind));
  }

  RunRecord to_record() const {
    RunRecord r;
    r.id = id;
    r.run_id = run_id;
    if (auto team = sales_team_id.get()) {
      r.team = TeamId{*team};
    }
    r.pipeline = pipeline;
    r.status =
        parse_run_status(status).has_value() ? *parse_run_status(status) : RunStatus::kFailed;
    r.triggered_by =
        parse_trigger(triggered_by).has_value() ? *parse_trigger(triggered_by) : Trigger::kManual;
    r.attempt = attempt;
    r.slot_key = slot_key.get();
    r.scheduled_for = parse_time_text(scheduled_for);
    r.run_date = run_date.get().value_or("");
    r.purchase_date = purchase_date.get().value_or("");
    r.schedule_note = schedule_note.get().value_or("");
    r.total_loans = total_loans.get();
    r.exceptions_count = exceptions_count.get();
    if (auto code = exit_code.get()) {
      r.exit_code = static_cast<int>(*code);
    }
    r.error = error.get().value_or("");
    r.inputs = inputs.get().value_or("");
    r.metrics = metrics.get().value_or("");
    r.log_path = log_path.get().value_or("");
    r.instance = instance.get().value_or("");
    NullableText created;
    created.value = created_at;
    created.ind = soci::i_ok;
    r.created_at = parse_time_text(created).value_or(SysTime{});
    r.started_at = parse_time_text(started_at);
    r.completed_at = parse_time_text(completed_at);
    r.heartbeat_at = parse_time_text(heartbeat_at);
    r.duration_ms = duration_ms.get();
    return r;
  }
};

std::string select_columns(const SociConnection& db) {
  return "SELECT id, run_id, sales_team_id, pipeline, status, triggered_by, attempt, slot_key, " +
         db.time_column("scheduled_for") +
         ", CAST(run_date AS TEXT), CAST(purchase_date AS TEXT), schedule_note, total_loans, "
         "exceptions_count, "
         "exit_code, error, CAST(inputs AS TEXT), CAST(metrics AS TEXT), log_path, instance, " +
         db.time_column("created_at") + ", " + db.time_column("started_at") + ", " +
         db.time_column("completed_at") + ", " + db.time_column("heartbeat_at") +
         ", duration_ms FROM pipeline_runs";
}

// The owner's running run, if any.
constexpr const char* kRunningRun =
    "(SELECT run_id FROM pipeline_runs WHERE team_key = :busy_key AND pipeline = :busy_pipeline "
    "AND status = 'running' LIMIT 1)";

// The statements on every run's path (its claim, its row, its end, the failure streak read at
// its end), prepared once per pooled connection and executed again with new values: parsing
// statements anew for each run took a tenth of the service's CPU in a storm of short runs. Each
// binds the members declared before it. A kept SELECT is always read to its end (SQLITE_DONE):
// one left on a row would hold SQLite's read snapshot, and so the WAL, until its next use.
struct RunStatements final : PreparedStatements {
  RunStatements(soci::session& sql, const SociConnection& db)
      : transaction(sql, db),
        read_slot((sql.prepare << std::string("SELECT (SELECT COUNT(*) FROM pipeline_runs WHERE "
                                              "team_key = :key AND pipeline = :pipeline AND "
                                              "slot_key = :slot AND attempt = :attempt), ") +
                                      kRunningRun,
                   soci::use(claim.key, "key"), soci::use(claim.pipeline, "pipeline"),
                   soci::use(claim.slot, "slot"), soci::use(claim.attempt, "attempt"),
                   soci::use(claim.key, "busy_key"), soci::use(claim.pipeline, "busy_pipeline"),
                   soci::into(claim.recorded), soci::into(claim.busy, claim.busy_ind))),
        read_busy((sql.prepare << std::string("SELECT 0, ") + kRunningRun,
                   soci::use(claim.key, "busy_key"), soci::use(claim.pipeline, "busy_pipeline"),
                   soci::into(claim.recorded), soci::into(claim.busy, claim.busy_ind))),
        read_streak((sql.prepare << "SELECT status FROM pipeline_runs WHERE team_key = :key "
                                    "AND pipeline = :pipeline "
                                    "ORDER BY created_at DESC, id DESC LIMIT :limit",
                     soci::use(streak.key, "key"), soci::use(streak.pipeline, "pipeline"),
                     soci::use(streak.limit, "limit"), soci::into(streak.status))),
        insert_row((
            sql.prepare << "INSERT INTO pipeline_runs (run_id, sales_team_id, team_key, "
                           "pipeline, status, triggered_by, attempt, slot_key, scheduled_for, "
                           "run_date, purchase_date, error, instance, created_at, "
                           "started_at, completed_at, heartbeat_at, schedule_note) VALUES (:run_id, "
                           ":team, :key, :pipeline, :status, :trigger, :attempt, :slot, " +
                               db.time_param("scheduled") +
                               ", :run_date, :purchase, :error, :instance, " +
                               db.time_param("created") + ", " + db.time_param("started") + ", " +
                               db.time_param("completed") + ", " + db.time_param("heartbeat") +
                               ", :note)",
            soci::use(row.run_id, "run_id"), soci::use(row.team.value, row.team.ind, "team"),
            soci::use(row.key, "key"), soci::use(row.pipeline, "pipeline"),
            soci::use(row.status, "status"), soci::use(row.trigger, "trigger"),
            soci::use(row.attempt, "attempt"), soci::use(row.slot.value, row.slot.ind, "slot"),
            soci::use(row.scheduled.value, row.scheduled.ind, "scheduled"),
            soci::use(row.run_date, "run_date"),
            soci::use(row.purchase.value, row.purchase.ind, "purchase"),
            soci::use(row.error.value, row.error.ind, "error"), soci::use(row.instance, "instance"),
            soci::use(row.created, "created"),
            soci::use(row.started.value, row.started.ind, "started"),
            soci::use(row.completed.value, row.completed.ind, "completed"),
            soci::use(row.heartbeat.value, row.heartbeat.ind, "heartbeat"),
            soci::use(row.note.value, row.note.ind, "note"))),
        record_end((sql.prepare << "UPDATE pipeline_runs SET status = :status, exit_code = "
                                   ":exit_code, error = :error, inputs = :inputs, metrics = "
                                   ":metrics, total_loans = :loans, exceptions_count = "
                                   ":exceptions, log_path = :log, completed_at = " +
                                       db.time_param("completed") +
                                       ", duration_ms = :duration WHERE run_id = :id AND "
                                       "status = 'running'",
                    soci::use(end.status, "status"),
                    soci::use(end.exit_code.value, end.exit_code.ind, "exit_code"),
                    soci::use(end.error.value, end.error.ind, "error"),
                    soci::use(end.inputs.value, end.inputs.ind, "inputs"),
                    soci::use(end.metrics.value, end.metrics.ind, "metrics"),
                    soci::use(end.loans.value, end.loans.ind, "loans"),
                    soci::use(end.exceptions.value, end.exceptions.ind, "exceptions"),
                    soci::use(end.log_path.value, end.log_path.ind, "log"),
                    soci::use(end.completed, "completed"), soci::use(end.duration, "duration"),
                    soci::use(end.run_id, "id"))) {}

  KeptTransactionStatements transaction;

  struct Claim {  // what a claim reads first
    long long key = 0;
    std::string pipeline;
    std::string slot;
    int attempt = 1;
    long long recorded = 0;
    std::string busy;
    soci::indicator busy_ind = soci::i_null;
  } claim;
  soci::statement read_slot;  // the slot's attempt recorded already? the owner's running run
  soci::statement read_busy;  // the owner's running run alone (a run with no slot)

  struct Streak {  // the latest statuses of an owner
    long long key = 0;
    std::string pipeline;
    int limit = 1;
    std::string status;
  } streak;
  soci::statement read_streak;

  struct Row {  // a new row
    std::string run_id;
    NullableInt team;
    long long key = 0;
    std::string pipeline;
    std::string status, trigger;
    int attempt = 1;
    NullableText slot, scheduled;
    std::string run_date;
    NullableText purchase, error;
    std::string instance, created;
    NullableText started, completed, heartbeat, note;
  } row;
  soci::statement insert_row;

  struct End {  // how a run ended
    std::string status;
    NullableInt exit_code;
    NullableText error, inputs, metrics;
    NullableInt loans, exceptions;
    NullableText log_path;
    std::string completed;
    long long duration = 0;
    std::string run_id;
  } end;
  soci::statement record_end;
};

}  // namespace

std::string new_run_id() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t value = engine();
  std::string id = "run_";
  for (int shift = 60; shift >= 0; shift -= 4) {
    id += kHex[(value >> shift) & 0xF];
  }
  return id;
}

namespace {

// Inserts the run's row with the given status and returns it as recorded.
RunRecord insert(RunStatements& statements, const ClaimRequest& request, RunStatus status,
                 const std::string& error) {
  RunRecord r;
  r.run_id = new_run_id();
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
  row.run_id = r.run_id;
  row.team =
      NullableInt(request.team ? std::optional<long long>(request.team->value) : std::nullopt);
  row.key = team_key(request.team);
  row.pipeline = request.pipeline;
  row.status = to_string(status);
  row.trigger = to_string(request.triggered_by);
  row.attempt = r.attempt;
  row.slot = NullableText(request.slot_key);
  row.scheduled = time_text(request.scheduled_for);
  row.run_date = r.run_date;
  row.purchase = NullableText(request.purchase_date.empty()
                                  ? std::nullopt
                                  : std::optional<std::string>(request.purchase_date));
  row.error = NullableText(error.empty() ? std::nullopt : std::optional<std::string>(error));
  row.instance = r.instance;
  row.created = format_utc(request.now);
  row.started = time_text(r.started_at);
  row.completed = time_text(r.completed_at);
  row.heartbeat = time_text(r.heartbeat_at);
  row.note = NullableText(request.schedule_note.empty()
                              ? std::nullopt
                              : std::optional<std::string>(request.schedule_note));
  statements.insert_row.execute(true);
  return r;
}

// Whether the owner has a `waiting` run: buffer-one keeps at most one slot waiting for a busy
// owner.
bool has_waiting_run(soci::session& sql, const ClaimRequest& request) {
  long long key = team_key(request.team);
  std::string pipeline = request.pipeline;
  long long waiting = 0;
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
                  insert(statements, request, request.start_as, request.reason), {}};
      tx.commit();
      return claim;
    }
    if (read.busy_ind == soci::i_ok && request.buffer_if_busy && request.slot_key &&
        request.attempt == 1 && !has_waiting_run(sql, request)) {
      Claim claim{ClaimOutcome::kClaimed,
                  insert(statements, request, RunStatus::kWaiting,
                         "waiting for " + read.busy + " to end (overlap=buffer-one)"),
                  read.busy};
      tx.commit();
      return claim;
    }
    if (read.busy_ind == soci::i_ok) {
      Claim claim{ClaimOutcome::kTeamBusy, {}, read.busy};
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
    long long key = team_key(request.team);
    long long recorded = 0;
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

Status SociRunStore::finish(const RunFinish& f) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::optional<SysTime> started_at = f.started_at;
    if (!started_at) {
      std::string started;
      sql << "SELECT " + db_.time_column("started_at") + " FROM pipeline_runs WHERE run_id = :id",
          soci::use(f.run_id, "id"), soci::into(started);
      if (auto parsed = parse_utc(started)) {
        started_at = *parsed;
      }
    }
    auto& statements = lease.prepared<RunStatements>();
    RunStatements::End& end = statements.end;
    end.status = to_string(f.status);
    end.exit_code =
        NullableInt(f.exit_code ? std::optional<long long>(*f.exit_code) : std::nullopt);
    end.error = NullableText(f.error.empty() ? std::nullopt : std::optional<std::string>(f.error));
    end.inputs =
        NullableText(f.inputs.empty() ? std::nullopt : std::optional<std::string>(f.inputs));
    end.metrics =
        NullableText(f.metrics.empty() ? std::nullopt : std::optional<std::string>(f.metrics));
    end.loans = NullableInt(f.total_loans);
    end.exceptions = NullableInt(f.exceptions_count);
    end.log_path =
        NullableText(f.log_path.empty() ? std::nullopt : std::optional<std::string>(f.log_path));
    end.completed = format_utc(f.completed_at);
    end.duration =
        started_at
            ? std::chrono::duration_cast<std::chrono::milliseconds>(f.completed_at - *started_at)
                  .count()
            : 0;
    end.run_id = f.run_id;
    statements.record_end.execute(true);
    if (statements.record_end.get_affected_rows() == 0) {
      return failed_precondition("run " + f.run_id +
                                 " is not running (unknown, or its end is recorded already)");
    }
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the end of run " + f.run_id);
  }
}

Result<WaitingStart> SociRunStore::start_waiting(const std::string& run_id,
                                                 const std::string& instance, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::string at = format_utc(now);
    std::string id = run_id;
    std::string holder = instance;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET status = 'running', error = NULL, started_at = " +
                            db_.time_param("started") + ", heartbeat_at = " +
                            db_.time_param("beat") +
                            " WHERE run_id = :id AND status = 'waiting' AND instance = :instance",
         soci::use(at, "started"), soci::use(at, "beat"), soci::use(id, "id"),
         soci::use(holder, "instance"));
    update.execute(true);
    const bool started = update.get_affected_rows() > 0;
    tx.commit();
    return started ? WaitingStart::kStarted : WaitingStart::kGone;
  } catch (const std::exception& e) {
    Error error = db_.to_error(e, "cannot start waiting run " + run_id);
    // The one-running index: the owner's previous run is still going.
    if (error.code == ErrorCode::kAborted) {
      return WaitingStart::kBusy;
    }
    return error;
  }
}

Status SociRunStore::end_waiting(const std::string& run_id, const std::string& instance,
                                 RunStatus status, const std::string& error, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    std::string id = run_id;
    std::string holder = instance;
    std::string text = to_string(status);
    std::string reason = error;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET status = :status, error = :error, "
                        "completed_at = " +
                            db_.time_param("at") +
                            " WHERE run_id = :id AND status = 'waiting' AND instance = :instance",
         soci::use(text, "status"), soci::use(reason, "error"), soci::use(at, "at"),
         soci::use(id, "id"), soci::use(holder, "instance"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      return failed_precondition("run " + run_id + " is not waiting for " + instance);
    }
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the end of waiting run " + run_id);
  }
}

Result<bool> SociRunStore::adopt_waiting(const std::string& run_id, const std::string& from,
                                         const std::string& to, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    std::string id = run_id;
    std::string old_holder = from;
    std::string new_holder = to;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET instance = :to, heartbeat_at = " +
                            db_.time_param("at") +
                            " WHERE run_id = :id AND status = 'waiting' AND instance = :from",
         soci::use(new_holder, "to"), soci::use(at, "at"), soci::use(id, "id"),
         soci::use(old_holder, "from"));
    update.execute(true);
    return update.get_affected_rows() > 0;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot take over waiting run " + run_id);
  }
}

Status SociRunStore::heartbeat(const std::vector<std::string>& run_ids, SysTime now) {
  if (run_ids.empty()) {
    return {};
  }
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    std::string id;
    soci::statement update =
        (sql.prepare << "UPDATE pipeline_runs SET heartbeat_at = " + db_.time_param("at") +
                            " WHERE run_id = :id AND status IN ('running', 'waiting')",
         soci::use(at, "at"), soci::use(id, "id"));
    WriteTransaction tx(db_, sql);
    for (const std::string& run_id : run_ids) {
      id = run_id;
      update.execute(true);
    }
    tx.commit();
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the heartbeat of running runs");
  }
}

Result<std::vector<RunRecord>> SociRunStore::abandon_stale(SysTime stale_before, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::string before = format_utc(stale_before);
    auto stale = select(sql,
                        "status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < " +
                            db_.time_param("p0") + ")",
                        {before}, 100000);
    std::string at = format_utc(now);
    std::vector<RunRecord> abandoned;
    for (auto& run : stale) {
      std::string reason = "its service (" + run.instance + ") stopped without recording an end";
      soci::statement update =
          (sql.prepare << "UPDATE pipeline_runs SET status = 'abandoned', error = :error, "
                          "completed_at = " +
                              db_.time_param("at") + " WHERE run_id = :id AND status = 'running'",
           soci::use(reason, "error"), soci::use(at, "at"), soci::use(run.run_id, "id"));
      update.execute(true);
      // Another service may have got there first (it waited on the same row, then found it
      // abandoned already): only the one whose update took owns what follows, e.g. a rerun.
      if (update.get_affected_rows() == 0) {
        continue;
      }
      run.status = RunStatus::kAbandoned;
      run.error = reason;
      run.completed_at = now;
      abandoned.push_back(std::move(run));
    }
    tx.commit();
    return abandoned;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot look for abandoned runs");
  }
}

Result<std::map<RunOwner, std::string>> SociRunStore::last_slot_keys() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    long long key = 0;
    std::string pipeline;
    std::string slot;
    soci::statement st =
        (sql.prepare << "SELECT team_key, pipeline, MAX(slot_key) FROM pipeline_runs "
                        "WHERE slot_key IS NOT NULL GROUP BY team_key, pipeline",
         soci::into(key), soci::into(pipeline), soci::into(slot));
    st.execute();
    std::map<RunOwner, std::string> out;
    while (st.fetch()) {
      out[RunOwner{key, pipeline}] = slot;
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the recorded slots");
  }
}

Result<std::set<std::string>> SociRunStore::completed_run_dates(const RunOwner& owner,
                                                                const std::string& from,
                                                                const std::string& to) {
  try {
    soci::session sql(db_.pool());
    long long key = owner.team_key;
    std::string pipeline = owner.pipeline;
    std::string first = from;
    std::string last = to;
    std::string day;
    // Dates as ISO text compare in calendar order on both databases.
    soci::statement st =
        (sql.prepare << "SELECT DISTINCT CAST(run_date AS TEXT) FROM pipeline_runs "
                        "WHERE team_key = :key AND pipeline = :pipeline AND status = 'completed' "
                        "AND CAST(run_date AS TEXT) >= :first AND CAST(run_date AS TEXT) <= :last",
         soci::use(key, "key"), soci::use(pipeline, "pipeline"), soci::use(first, "first"),
         soci::use(last, "last"), soci::into(day));
    st.execute();
    std::set<std::string> out;
    while (st.fetch()) {
      out.insert(day);
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the completed run dates");
  }
}

std::vector<RunRecord> SociRunStore::select(soci::session& sql, const std::string& where,
                                            const std::vector<std::string>& params, int limit) {
  std::string query = select_columns(db_);
  if (!where.empty()) {
    query += " WHERE " + where;
  }
  query += " ORDER BY created_at DESC, id DESC LIMIT " + std::to_string(limit);
  RunRow row;
  soci::statement st(sql);
  row.bind(st);
  std::vector<std::string> bound = params;
  for (std::size_t i = 0; i < bound.size(); ++i) {
    st.exchange(soci::use(bound[i], "p" + std::to_string(i)));
  }
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  st.execute();
  std::vector<RunRecord> out;
  while (st.fetch()) {
    out.push_back(row.to_record());
  }
  return out;
}

Result<std::vector<RunRecord>> SociRunStore::list(const RunFilter& filter) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    // Every filter is bound as text; both databases infer the parameter's type from the column
    // it is compared with.
    std::string where;
    std::vector<std::string> params;
    auto add = [&](const std::string& column_and_operator, std::string value) {
      where += (where.empty() ? "" : " AND ") + column_and_operator + " :p" +
               std::to_string(params.size());
      params.push_back(std::move(value));
    };
    if (filter.team_key) {
      add("team_key =", std::to_string(*filter.team_key));
    }
    if (filter.pipeline) {
      add("pipeline =", *filter.pipeline);
    }
    if (filter.status) {
      add("status =", to_string(*filter.status));
    }
    if (filter.since) {
      add("created_at >=", format_utc(*filter.since));
    }
    if (filter.until) {
      add("created_at <", format_utc(*filter.until));
    }
    return select(sql, where, params, std::max(1, filter.limit));
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list runs");
  }
}

Result<std::vector<RunRecord>> SociRunStore::select_where(const std::string& where,
                                                          const std::vector<std::string>& params,
                                                          int limit) {
  try {
    PooledSession lease(db_);
    return select(*lease, where, params, limit);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list runs");
  }
}

Result<std::vector<RunStatus>> SociRunStore::recent_statuses(const RunOwner& owner, int limit) {
  try {
    PooledSession lease(db_);
    auto& statements = lease.prepared<RunStatements>();
    RunStatements::Streak& read = statements.streak;
    read.key = owner.team_key;
    read.pipeline = owner.pipeline;
    read.limit = std::max(1, limit);
    soci::statement& st = statements.read_streak;
    st.execute();
    std::vector<RunStatus> out;
    while (st.fetch()) {
      if (auto parsed = parse_run_status(read.status)) {
        out.push_back(*parsed);
      }
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the latest runs of team key " +
                               std::to_string(owner.team_key) + ", pipeline " + owner.pipeline);
  }
}

Result<std::vector<RunRecord>> SociRunStore::unsettled_slot_attempts(SysTime since) {
  try {
    soci::session sql(db_.pool());
    return select(sql,
                  "slot_key IS NOT NULL AND status IN ('failed', 'timed_out', 'abandoned', "
                  "'interrupted') AND "
                  "created_at >= :p0 AND NOT EXISTS (SELECT 1 FROM pipeline_runs later WHERE "
                  "later.team_key = pipeline_runs.team_key AND "
                  "later.pipeline = pipeline_runs.pipeline AND "
                  "later.slot_key = pipeline_runs.slot_key AND "
                  "later.attempt > pipeline_runs.attempt)",
                  {format_utc(since)}, 10000);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the slots left unsettled");
  }
}

Result<std::optional<RunRecord>> SociRunStore::latest_of_date(const RunOwner& owner,
                                                              const std::string& run_date) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    auto rows = select(sql,
                       "team_key = :p0 AND pipeline = :p1 AND CAST(run_date AS TEXT) = :p2",
                       {std::to_string(owner.team_key), owner.pipeline, run_date}, 1);
    if (rows.empty()) {
      return std::optional<RunRecord>();
    }
    return std::optional<RunRecord>(std::move(rows.front()));
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the runs of " + run_date);
  }
}

Result<std::optional<RunRecord>> SociRunStore::find(const std::string& run_id) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    auto rows = select(sql, "run_id = :p0", {run_id}, 1);
    if (rows.empty()) {
      return std::optional<RunRecord>();
    }
    return std::optional<RunRecord>(std::move(rows.front()));
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read run " + run_id);
  }
}

}  // namespace orch::store
