#pragma once

// Internal to orchestrator/store: the SOCI connection pool and the SQL dialect differences.
// Only the store's .cpp files include this header (SOCI stays out of everything else).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "config/base/ids.h"
#include "config/base/result.h"
#include "config/base/time.h"

namespace orch::store {

enum class Dialect { kSqlite, kPostgres };

// Statements prepared on one pooled connection and kept for its later operations, so that a
// store which runs the same statements all the time does not parse them again each time. They
// belong to the connection: dropped before it is reopened, and after an operation on it failed.
class PreparedStatements {
 public:
  PreparedStatements() = default;
  virtual ~PreparedStatements() = default;
  PreparedStatements(const PreparedStatements&) = delete;
  PreparedStatements& operator=(const PreparedStatements&) = delete;
  PreparedStatements(PreparedStatements&&) = delete;
  PreparedStatements& operator=(PreparedStatements&&) = delete;
};

class SociConnection {
 public:
  // `url` is the database URL as configured; only its redacted form is ever shown.
  SociConnection(std::size_t size, Dialect dialect, std::string url);

  soci::connection_pool& pool() { return pool_; }
  Dialect dialect() const { return dialect_; }
  const std::string& redacted_url() const { return redacted_url_; }

  // Starts a write transaction that serializes with other writers: SQLite's BEGIN IMMEDIATE
  // takes the write lock up front (a deferred BEGIN could deadlock two upgrading readers).
  void begin_write(soci::session& sql) const;
  const char* begin_write_statement() const;

  // SQL for reading a timestamp column as our UTC text form, and for binding one.
  std::string time_column(const std::string& column) const;
  std::string time_param(const std::string& name) const;

  // Turns a database exception into an Error: unreachable/locked → kUnavailable, a uniqueness
  // violation → kAborted, anything else → kInternal. `what` says what was being done. An
  // unavailable database is noted as an outage (see below) unless `note_outage` is false.
  Error to_error(const std::exception& e, const std::string& what, bool note_outage = true);

  // Outage bookkeeping, so that an outage is logged once when it begins and once when it ends,
  // however many operations fail meanwhile, and so that a lost server is not hammered:
  // reconnecting is attempted with a backoff that grows while the outage lasts.
  bool may_reconnect();
  void note_success();
  void note_unavailable(const std::string& reason);

  // Rings the control bell (control_listener.h) after a change to the control state was
  // committed on `sql`: every live service sharing the database looks at once. Best effort.
  void ring_control_bell(soci::session& sql) const;
  // The SQLite database file, whose times the bell touches.
  void set_database_file(std::string file) { database_file_ = std::move(file); }

  // What every connection runs once opened (and reopened): pragmas, the session's time zone.
  void set_session_setup(std::function<void(soci::session&)> setup) { setup_ = std::move(setup); }

 private:
  friend class PooledSession;

  soci::connection_pool pool_;
  // By pool position; guarded by the pool's lease. Declared after pool_, so destroyed before
  // the sessions their statements were prepared on.
  std::vector<std::unique_ptr<PreparedStatements>> prepared_;
  Dialect dialect_;
  std::string url_;  // kept to hide its secrets from the library's errors, never shown
  std::string redacted_url_;
  std::function<void(soci::session&)> setup_;
  std::string database_file_;
  // Outages so far, and per pooled connection the count when it was opened: a connection older
  // than the last outage is reopened before use, so that one outage is one outage in the log
  // rather than one failure per pooled connection afterwards.
  std::atomic<std::uint64_t> outages_{0};
  std::vector<std::uint64_t> opened_after_;  // by pool position; guarded by the pool's lease
  std::vector<char> suspect_;                // by pool position: its last operation failed

  std::atomic<bool> down_{false};
  std::mutex outage_mutex_;
  std::chrono::steady_clock::time_point down_since_;
  std::chrono::steady_clock::time_point next_reconnect_;
  std::chrono::milliseconds backoff_{0};
};

// A session borrowed from the pool for one store operation. A connection the server dropped
// (restart, network loss) is reopened here, lazily, so the service outlives database outages;
// the operation's outcome feeds the outage bookkeeping.
class PooledSession {
 public:
  explicit PooledSession(SociConnection& connection);
  ~PooledSession();
  PooledSession(const PooledSession&) = delete;
  PooledSession& operator=(const PooledSession&) = delete;
  PooledSession(PooledSession&&) = delete;
  PooledSession& operator=(PooledSession&&) = delete;

  soci::session& operator*() { return session_; }
  soci::session* operator->() { return &session_; }

  // The statements of kind `Statements` kept on this connection; made from the session the
  // first time (and again after the connection was reopened or an operation on it failed).
  template <class Statements>
  Statements& prepared() {
    std::unique_ptr<PreparedStatements>& kept = connection_.prepared_[position_];
    if (auto* statements = dynamic_cast<Statements*>(kept.get())) {
      return *statements;
    }
    kept.reset();
    auto made = std::make_unique<Statements>(session_, connection_);
    Statements& statements = *made;
    kept = std::move(made);
    return statements;
  }

 private:
  SociConnection& connection_;
  std::size_t position_;
  soci::session& session_;
  int exceptions_;
};

// begin_write() and COMMIT as statements kept with a connection's PreparedStatements, for the
// transactions on every run's path. SQLite only: PostgreSQL cannot prepare them, and there they
// are run as they come.
class KeptTransactionStatements {
 public:
  KeptTransactionStatements(soci::session& sql, const SociConnection& connection)
      : connection_(connection) {
    if (connection.dialect() == Dialect::kSqlite) {
      begin_.emplace((sql.prepare << connection.begin_write_statement()));
      commit_.emplace((sql.prepare << "COMMIT"));
    }
  }
  void begin(soci::session& sql) {
    if (begin_) {
      begin_->execute(true);
    } else {
      connection_.begin_write(sql);
    }
  }
  void commit(soci::session& sql) {
    if (commit_) {
      commit_->execute(true);
    } else {
      sql << "COMMIT";
    }
  }

 private:
  const SociConnection& connection_;
  std::optional<soci::statement> begin_;
  std::optional<soci::statement> commit_;
};

// A write transaction begun with begin_write(): rolled back unless committed, so that a session
// goes back to the pool clean after an exception.
class WriteTransaction {
 public:
  WriteTransaction(const SociConnection& connection, soci::session& sql) : sql_(sql) {
    connection.begin_write(sql);
  }
  WriteTransaction(soci::session& sql, KeptTransactionStatements& kept) : sql_(sql), kept_(&kept) {
    kept.begin(sql);
  }
  ~WriteTransaction() {
    if (!done_) {
      try {
        sql_ << "ROLLBACK";
      } catch (...) {  // NOLINT(bugprone-empty-catch): the connection may be gone; nothing to undo
      }
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  WriteTransaction(WriteTransaction&&) = delete;
  WriteTransaction& operator=(WriteTransaction&&) = delete;

  void commit() {
    if (kept_ != nullptr) {
      kept_->commit(sql_);
    } else {
      sql_ << "COMMIT";
    }
    done_ = true;
  }

 private:
  soci::session& sql_;
  KeptTransactionStatements* kept_ = nullptr;
  bool done_ = false;
};

// Nullable values in and out of SOCI (4.0 has no std::optional exchange type).
struct NullableText {
  std::string value;
  soci::indicator ind = soci::i_null;
  NullableText() = default;
  explicit NullableText(const std::optional<std::string>& v)
      : value(v.value_or("")), ind(v ? soci::i_ok : soci::i_null) {}
  // Text where an empty one means "none": stored as NULL.
  static NullableText unless_empty(const std::string& text) {
    return NullableText(text.empty() ? std::nullopt : std::optional<std::string>(text));
  }
  std::optional<std::string> get() const {
    return ind == soci::i_ok ? std::optional<std::string>(value) : std::nullopt;
  }
};

struct NullableInt {
  std::int64_t value = 0;
  soci::indicator ind = soci::i_null;
  NullableInt() = default;
  explicit NullableInt(std::optional<std::int64_t> v)
      : value(v.value_or(0)), ind(v ? soci::i_ok : soci::i_null) {}
  std::optional<std::int64_t> get() const {
    return ind == soci::i_ok ? std::optional<std::int64_t>(value) : std::nullopt;
  }
};

// An integer column of a dynamically read row. soci::row::get<T> needs the exact type the backend
// reports: INTEGER columns come as int, BIGINT ones and COUNT(*) as long long (which
// std::int64_t is not).
std::int64_t row_integer(const soci::row& row, std::size_t column);

// The key a run's owner is stored under (the team_key columns): the team id, or 0 for the general
// run, so that uniqueness constraints also hold for the general run (SQL treats NULLs as all
// different). Only the store's statements use it; every interface speaks std::optional<TeamId>.
inline std::int64_t team_key(const std::optional<TeamId>& team) {
  return team ? team->value : 0;
}
inline std::optional<TeamId> team_of_key(std::int64_t key) {
  return key == 0 ? std::nullopt : std::optional<TeamId>(TeamId{key});
}

NullableText time_text(const std::optional<SysTime>& t);

}  // namespace orch::store
