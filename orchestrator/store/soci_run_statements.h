#pragma once

// Internal to orchestrator/store: the statements on every run's path, kept per connection.

#include <cstdint>
#include <string>

#include "orchestrator/store/soci_connection.h"

namespace orch::store {

// The statements on every run's path (its claim, its row, its end, the failure streak read at
// its end), prepared once per pooled connection and executed again with new values, so that a
// storm of short runs does not parse the same statements again for each run. Each binds the
// members declared before it. A kept SELECT is always read to its end (SQLITE_DONE): one left on
// a row would hold SQLite's read snapshot, and so the WAL, until its next use.
struct RunStatements final : PreparedStatements {
  RunStatements(soci::session& sql, const SociConnection& db);

  KeptTransactionStatements transaction;

  struct Claim {  // what a claim reads first
    std::int64_t key = 0;
    std::string pipeline;
    std::string slot;
    int attempt = 1;
    std::int64_t recorded = 0;
    std::string busy;
    soci::indicator busy_ind = soci::i_null;
  } claim;
  soci::statement read_slot;  // the slot's attempt recorded already? the owner's running run
  soci::statement read_busy;  // the owner's running run alone (a run with no slot)

  struct Streak {  // the latest statuses of an owner
    std::int64_t key = 0;
    std::string pipeline;
    int limit = 1;
    std::string status;
  } streak;
  soci::statement read_streak;

  struct Row {  // a new row
    std::string run_id;
    NullableInt team;
    std::int64_t key = 0;
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
  // The same row unless a unique index holds one like it already (the slot's attempt recorded,
  // the owner running): then nothing, and no error.
  soci::statement insert_new_row;

  struct End {  // how a run ended
    std::string status;
    NullableInt exit_code;
    NullableText error, inputs, metrics;
    NullableInt loans, exceptions;
    NullableText log_path;
    std::string completed;
    std::int64_t duration = 0;
    std::string run_id;
  } end;
  soci::statement record_end;
};

}  // namespace orch::store
