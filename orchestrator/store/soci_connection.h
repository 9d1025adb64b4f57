#pragma once

// Internal to orchestrator/store: the SOCI connection pool and the SQL dialect differences.
// Only the store's .cpp files include this header (SOCI stays out of everything else).

#include <cstddef>
#include <optional>
#include <string>

#include <soci/soci.h>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch::store {

enum class Dialect { kSqlite, kPostgres };

class SociConnection {
 public:
  SociConnection(std::size_t size, Dialect dialect, std::string redacted_url);

  soci::connection_pool& pool() { return pool_; }
  Dialect dialect() const { return dialect_; }
  const std::string& redacted_url() const { return redacted_url_; }

  // Starts a write transaction that serializes with other writers: SQLite's BEGIN IMMEDIATE
  // takes the write lock up front (a deferred BEGIN could deadlock two upgrading readers).
  void begin_write(soci::session& sql) const;

  // SQL for reading a timestamp column as our UTC text form, and for binding one.
  std::string time_column(const std::string& column) const;
  std::string time_param(const std::string& name) const;

  // Turns a database exception into an Error: unreachable/locked → kUnavailable, a uniqueness
  // violation → kAborted, anything else → kInternal. `what` says what was being done.
  Error to_error(const std::exception& e, const std::string& what) const;

 private:
  soci::connection_pool pool_;
  Dialect dialect_;
  std::string redacted_url_;
};

// A write transaction begun with begin_write(): rolled back unless committed, so that a session
// goes back to the pool clean after an exception.
class WriteTransaction {
 public:
  WriteTransaction(const SociConnection& connection, soci::session& sql) : sql_(sql) {
    connection.begin_write(sql);
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

  void commit() {
    sql_ << "COMMIT";
    done_ = true;
  }

 private:
  soci::session& sql_;
  bool done_ = false;
};

// Nullable values in and out of SOCI (4.0 has no std::optional exchange type).
struct NullableText {
  std::string value;
  soci::indicator ind = soci::i_null;
  NullableText() = default;
  explicit NullableText(const std::optional<std::string>& v)
      : value(v.value_or("")), ind(v ? soci::i_ok : soci::i_null) {}
  std::optional<std::string> get() const {
    return ind == soci::i_ok ? std::optional<std::string>(value) : std::nullopt;
  }
};

struct NullableInt {
  long long value = 0;
  soci::indicator ind = soci::i_null;
  NullableInt() = default;
  explicit NullableInt(std::optional<long long> v)
      : value(v.value_or(0)), ind(v ? soci::i_ok : soci::i_null) {}
  std::optional<long long> get() const {
    return ind == soci::i_ok ? std::optional<long long>(value) : std::nullopt;
  }
};

NullableText time_text(const std::optional<SysTime>& t);
std::optional<SysTime> parse_time_text(const NullableText& text);

}  // namespace orch::store
