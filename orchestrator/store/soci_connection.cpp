#include "orchestrator/store/soci_connection.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "config/base/log.h"
#include "config/config.h"
#include "orchestrator/store/control_bell.h"
#include "orchestrator/store/soci_stored_values.h"

namespace orch::store {

SociConnection::SociConnection(std::size_t size, Dialect dialect, std::string url)
    : pool_(size),
      prepared_(size),
      dialect_(dialect),
      url_(std::move(url)),
      redacted_url_(config::redact_url(url_)),
      opened_after_(size, 0),
      suspect_(size, 0) {}

const char* SociConnection::begin_write_statement() const {
  return dialect_ == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
}

void SociConnection::begin_write(soci::session& sql) const {
  sql << begin_write_statement();
}

std::string SociConnection::time_column(const std::string& column) const {
  if (dialect_ == Dialect::kSqlite) {
    return column;
  }
  return "to_char(" + column + R"( AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))";
}

std::string SociConnection::time_param(const std::string& name) const {
  if (dialect_ == Dialect::kSqlite) {
    return ":" + name;
  }
  return "CAST(:" + name + " AS timestamptz)";
}

void SociConnection::ring_control_bell(soci::session& sql) const {
  if (dialect_ == Dialect::kSqlite) {
    ring_sqlite_bell(database_file_);
    return;
  }
  try {
    ring_postgres_bell(sql);
  } catch (const std::exception&) {
    // The change is committed; the services' periodic look finds it without the bell.
  }
}

Error SociConnection::to_error(const std::exception& e, const std::string& what, bool note_outage) {
  // A stored value the store cannot read: its message names the row and is kept whole.
  if (const auto* bad = dynamic_cast<const BadStoredValue*>(&e)) {
    return Error{ErrorCode::kInternal,
                 what + ": " + bad->what() + " (database " + redacted_url_ + ")"};
  }
  // libpq quotes the parts of a URL it cannot parse, a password among them.
  std::string message = config::hide_url_secrets(e.what(), url_);
  // SOCI repeats the statement after the reason; the reason is what a person needs.
  if (auto pos = message.find(" while "); pos != std::string::npos && pos > 0) {
    message.resize(pos);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  // libpq explains on several lines; an error is one line (in a log line and in a terminal).
  for (std::size_t pos = 0; (pos = message.find_first_of("\n\t", pos)) != std::string::npos;) {
    std::size_t end = message.find_first_not_of("\n\t ", pos);
    message.replace(pos, (end == std::string::npos ? message.size() : end) - pos, " ");
  }
  auto has = [&message](const char* text) { return message.find(text) != std::string::npos; };
  ErrorCode code = ErrorCode::kInternal;
  if (has("UNIQUE constraint") || has("duplicate key") || has("23505")) {
    code = ErrorCode::kAborted;
  } else if (has("database is locked") || has("unable to open") || has("could not connect") ||
             has("Connection refused") || has("server closed") || has("no connection") ||
             has("connection") || has("disk I/O") || has("readonly")) {
    code = ErrorCode::kUnavailable;
  }
  if (code == ErrorCode::kUnavailable && note_outage) {
    note_unavailable(message);
  }
  return Error{code, what + ": " + message + " (database " + redacted_url_ + ")"};
}

namespace {
constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
}  // namespace

bool SociConnection::may_reconnect() {
  // Outside an outage every stale connection reopens at once (after one, the others follow).
  if (!down_.load()) {
    return true;
  }
  std::lock_guard lock(outage_mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now < next_reconnect_) {
    return false;
  }
  backoff_ = std::clamp(backoff_ * 2, kFirstBackoff, kMaxBackoff);
  next_reconnect_ = now + backoff_;
  return true;
}

void SociConnection::note_success() {
  if (!down_.load()) {
    return;
  }
  std::lock_guard lock(outage_mutex_);
  if (!down_.exchange(false)) {
    return;
  }
  auto lasted = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - down_since_);
  backoff_ = std::chrono::milliseconds(0);
  next_reconnect_ = {};
  log::info("database_available", {{"database", redacted_url_}, {"outage_ms", lasted.count()}});
}

void SociConnection::note_unavailable(const std::string& reason) {
  if (down_.load()) {
    return;
  }
  std::lock_guard lock(outage_mutex_);
  if (down_.exchange(true)) {
    return;
  }
  down_since_ = std::chrono::steady_clock::now();
  ++outages_;
  log::warn("database_unavailable",
            {{"database", redacted_url_},
             {"reason", reason},
             {"effect", "retrying with backoff; run ends are kept and recorded on return"}});
}

PooledSession::PooledSession(SociConnection& connection)
    : connection_(connection),
      position_(connection.pool().lease()),
      session_(connection.pool().at(position_)),
      exceptions_(std::uncaught_exceptions()) {
  std::uint64_t outages = connection_.outages_.load();
  // A connection is reopened when it predates the last outage, or when its last operation
  // failed and a ping says the server dropped it. Checking only then keeps the ping (a round
  // trip) off every operation.
  bool outdated = connection_.opened_after_[position_] != outages;
  bool suspect = connection_.suspect_[position_];
  if (!outdated && (!suspect || session_.is_connected())) {
    connection_.suspect_[position_] = false;
    return;
  }
  if (!connection_.may_reconnect()) {
    connection_.pool().give_back(position_);
    throw soci::soci_error("no connection to the database (reconnecting with backoff)");
  }
  connection_.prepared_[position_].reset();  // prepared on the connection about to be replaced
  try {
    session_.reconnect();
    if (connection_.setup_) {
      connection_.setup_(session_);
    }
  } catch (...) {
    connection_.pool().give_back(position_);
    throw;
  }
  connection_.opened_after_[position_] = outages;
  connection_.suspect_[position_] = false;
}

PooledSession::~PooledSession() {
  if (std::uncaught_exceptions() == exceptions_) {
    connection_.note_success();
  } else {
    connection_.suspect_[position_] = true;
    connection_.prepared_[position_].reset();  // they may be mid-way; prepare them afresh
  }
  connection_.pool().give_back(position_);
}

NullableText time_text(const std::optional<SysTime>& t) {
  return NullableText(t ? std::optional<std::string>(format_utc(*t)) : std::nullopt);
}

std::int64_t row_integer(const soci::row& row, std::size_t column) {
  if (row.get_properties(column).get_data_type() == soci::dt_integer) {
    return row.get<int>(column);
  }
  return row.get<long long>(column);  // NOLINT(google-runtime-int): the type SOCI reports
}

}  // namespace orch::store
