#include "orchestrator/store/soci_run_control.h"

#include <array>
#include <utility>

#include "orchestrator/store/soci_stored_values.h"

namespace orch::store {
namespace {

constexpr std::array<std::pair<TriggerOutcome, const char*>, 5> kOutcomeNames{{
    {TriggerOutcome::kPending, "pending"},
    {TriggerOutcome::kStarted, "started"},
    {TriggerOutcome::kBusy, "busy"},
    {TriggerOutcome::kRefused, "refused"},
    {TriggerOutcome::kWithdrawn, "withdrawn"},
}};

TriggerOutcome parse_outcome(const std::string& text) {
  for (const auto& [value, name] : kOutcomeNames) {
    if (text == name) {
      return value;
    }
  }
  return TriggerOutcome::kPending;
}

// A row of run_requests as SociRunControl::select() reads it. Throws BadStoredValue for a time
// that is not one.
TriggerRequest to_request(const soci::row& row) {
  auto text = [&row](std::size_t i) -> std::optional<std::string> {
    if (row.get_indicator(i) == soci::i_null) {
      return std::nullopt;
    }
    return row.get<std::string>(i);
  };
  TriggerRequest r;
  r.id = row_integer(row, 0);
  r.owner.team = team_of_key(row_integer(row, 1));
  r.owner.pipeline = row.get<std::string>(2);
  r.purchase_date = text(3);
  r.requested_by = row.get<std::string>(4);
  r.idempotency_key = text(5);
  r.created_at = stored_time(
      row.get<std::string>(6), [&] { return "run request " + std::to_string(r.id); }, "created_at");
  r.claimed_by = text(7);
  r.outcome = text(8) ? parse_outcome(*text(8)) : TriggerOutcome::kPending;
  r.run_id = RunId(text(9).value_or(""));
  r.error = text(10).value_or("");
  return r;
}

}  // namespace

std::vector<TriggerRequest> SociRunControl::select(soci::session& sql, const std::string& where,
                                                   const std::string& param, BadRows bad_rows) {
  soci::rowset<soci::row> rows =
      (sql.prepare << "SELECT id, team_key, pipeline, purchase_date, requested_by, "
                      "idempotency_key, " +
                          db_.time_column("created_at") +
                          ", claimed_by, outcome, run_id, error FROM run_requests WHERE " + where +
                          " ORDER BY id",
       soci::use(param, "p0"));
  std::vector<TriggerRequest> out;
  for (const soci::row& row : rows) {
    auto read = read_row(bad_rows, [&row] { return to_request(row); });
    if (read) {
      out.push_back(std::move(*read));
    }
  }
  return out;
}

Result<RunControl::Submitted> SociRunControl::submit(const TriggerRequest& request) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    if (request.idempotency_key) {
      auto earlier = select(sql, "idempotency_key = :p0", *request.idempotency_key);
      if (!earlier.empty()) {
        return Submitted{std::move(earlier.front()), false};
      }
    }
    std::int64_t team = team_key(request.owner.team);
    std::string pipeline = request.owner.pipeline;
    NullableText purchase(request.purchase_date);
    std::string by = request.requested_by;
    NullableText key(request.idempotency_key);
    std::string created = format_utc(request.created_at);
    std::int64_t id = 0;
    try {
      sql << "INSERT INTO run_requests (team_key, pipeline, purchase_date, requested_by, "
             "idempotency_key, created_at) VALUES (:team, :pipeline, :purchase, :by, :key, " +
                 db_.time_param("created") + ") RETURNING id",
          soci::use(team, "team"), soci::use(pipeline, "pipeline"),
          soci::use(purchase.value, purchase.ind, "purchase"), soci::use(by, "by"),
          soci::use(key.value, key.ind, "key"), soci::use(created, "created"), soci::into(id);
    } catch (const std::exception& e) {
      Error error = db_.to_error(e, "cannot record the request to run");
      if (error.code != ErrorCode::kAborted || !request.idempotency_key) {
        return error;
      }
      // The same key, submitted at the same moment by another caller: theirs stands.
      auto earlier = select(sql, "idempotency_key = :p0", *request.idempotency_key);
      if (earlier.empty()) {
        return error;
      }
      return Submitted{std::move(earlier.front()), false};
    }
    TriggerRequest added = request;
    added.id = id;
    return Submitted{std::move(added), true};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the request to run");
  }
}

Result<std::optional<TriggerRequest>> SociRunControl::find_request(std::int64_t id) {
  try {
    PooledSession lease(db_);
    auto rows = select(*lease, "id = CAST(:p0 AS INTEGER)", std::to_string(id));
    if (rows.empty()) {
      return std::optional<TriggerRequest>();
    }
    return std::optional<TriggerRequest>(std::move(rows.front()));
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read request " + std::to_string(id));
  }
}

Result<std::vector<TriggerRequest>> SociRunControl::pending_requests(SysTime since) {
  try {
    PooledSession lease(db_);
    return select(*lease, "claimed_by IS NULL AND created_at >= " + db_.time_param("p0"),
                  format_utc(since), BadRows::kSkipAndLog);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the requests to run");
  }
}

Result<bool> SociRunControl::claim_request(std::int64_t id, const std::string& instance) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t row = id;
    std::string holder = instance;
    soci::statement update =
        (sql.prepare << "UPDATE run_requests SET claimed_by = :instance WHERE id = :id AND "
                        "claimed_by IS NULL",
         soci::use(holder, "instance"), soci::use(row, "id"));
    update.execute(true);
    return update.get_affected_rows() > 0;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot take request " + std::to_string(id));
  }
}

Status SociRunControl::settle_request(std::int64_t id, TriggerOutcome outcome, const RunId& run_id,
                                      const std::string& error) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t row = id;
    std::string text = to_string(outcome);
    NullableText run = NullableText::unless_empty(run_id.str());
    NullableText why = NullableText::unless_empty(error);
    sql << "UPDATE run_requests SET outcome = :outcome, run_id = :run, error = :error WHERE id = "
           ":id",
        soci::use(text, "outcome"), soci::use(run.value, run.ind, "run"),
        soci::use(why.value, why.ind, "error"), soci::use(row, "id");
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record what became of request " + std::to_string(id));
  }
}

Result<bool> SociRunControl::withdraw_request(std::int64_t id) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t row = id;
    soci::statement update =
        (sql.prepare << "UPDATE run_requests SET claimed_by = '-', outcome = 'withdrawn' WHERE "
                        "id = :id AND claimed_by IS NULL",
         soci::use(row, "id"));
    update.execute(true);
    return update.get_affected_rows() > 0;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot withdraw request " + std::to_string(id));
  }
}

Result<CancelResult> SociRunControl::request_cancel(const RunId& run_id, const std::string& why,
                                                    SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string id = run_id.str();
    std::string reason = why;
    std::string at = format_utc(now);
    // Each step is a compare-and-set on the row's status, so a run that moves on meanwhile
    // (waiting -> running -> ended) is met by the next step.
    soci::statement waiting =
        (sql.prepare << "UPDATE pipeline_runs SET status = 'cancelled', error = :why, "
                        "completed_at = " +
                            db_.time_param("at") + " WHERE run_id = :id AND status = 'waiting'",
         soci::use(reason, "why"), soci::use(at, "at"), soci::use(id, "id"));
    waiting.execute(true);
    CancelResult result;
    if (waiting.get_affected_rows() > 0) {
      result.found = CancelFound::kCancelled;
      result.status = RunStatus::kCancelled;
      return result;
    }
    soci::statement running =
        (sql.prepare << "UPDATE pipeline_runs SET cancel_requested_at = " + db_.time_param("at") +
                            ", cancel_requested_by = :why WHERE run_id = :id AND status = "
                            "'running'",
         soci::use(at, "at"), soci::use(reason, "why"), soci::use(id, "id"));
    running.execute(true);
    const bool requested = running.get_affected_rows() > 0;
    std::string status;
    std::string instance;
    soci::indicator instance_ind = soci::i_ok;
    sql << "SELECT status, instance FROM pipeline_runs WHERE run_id = :id", soci::use(id, "id"),
        soci::into(status), soci::into(instance, instance_ind);
    if (!sql.got_data()) {
      return result;
    }
    result.found = requested ? CancelFound::kRequested : CancelFound::kEnded;
    auto parsed = parse_run_status(status);
    result.status = parsed ? *parsed : RunStatus::kFailed;
    result.instance = instance_ind == soci::i_ok ? instance : "";
    return result;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot cancel run " + run_id.str());
  }
}

Result<std::vector<RunControl::CancelAsked>> SociRunControl::cancel_requested(
    const std::string& instance) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string holder = instance;
    soci::rowset<soci::row> rows =
        (sql.prepare << "SELECT run_id, cancel_requested_by FROM pipeline_runs WHERE status = "
                        "'running' AND instance = :instance AND cancel_requested_at IS NOT NULL",
         soci::use(holder, "instance"));
    std::vector<CancelAsked> out;
    for (const soci::row& row : rows) {
      out.push_back({RunId(row.get<std::string>(0)), row.get_indicator(1) == soci::i_null
                                                         ? std::string("cancelled")
                                                         : row.get<std::string>(1)});
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the runs asked to be cancelled");
  }
}

Result<std::int64_t> SociRunControl::generation() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t value = 0;
    sql << "SELECT value FROM orchestrator_state WHERE name = 'control_generation'",
        soci::into(value);
    return static_cast<std::int64_t>(value);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the control generation");
  }
}

Status SociRunControl::bump_generation() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    sql << "UPDATE orchestrator_state SET value = value + 1 WHERE name = 'control_generation'";
    db_.ring_control_bell(sql);
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot bump the control generation");
  }
}

}  // namespace orch::store

namespace orch {

const char* to_string(TriggerOutcome outcome) {
  for (const auto& [value, name] : store::kOutcomeNames) {
    if (value == outcome) {
      return name;
    }
  }
  return "pending";
}

}  // namespace orch
