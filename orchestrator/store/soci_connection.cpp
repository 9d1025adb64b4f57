#include "orchestrator/store/soci_connection.h"

#include <utility>

namespace orch::store {

SociConnection::SociConnection(std::size_t size, Dialect dialect, std::string redacted_url)
    : pool_(size), dialect_(dialect), redacted_url_(std::move(redacted_url)) {}

void SociConnection::begin_write(soci::session& sql) const {
  if (dialect_ == Dialect::kSqlite) {
    sql << "BEGIN IMMEDIATE";
  } else {
    sql << "BEGIN";
  }
}

std::string SociConnection::time_column(const std::string& column) const {
  if (dialect_ == Dialect::kSqlite) {
    return column;
  }
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string SociConnection::time_param(const std::string& name) const {
  if (dialect_ == Dialect::kSqlite) {
    return ":" + name;
  }
  return "CAST(:" + name + " AS timestamptz)";
}

Error SociConnection::to_error(const std::exception& e, const std::string& what) const {
  std::string message = e.what();
  // SOCI repeats the statement after the reason; the reason is what a person needs.
  if (auto pos = message.find(" while "); pos != std::string::npos && pos > 0) {
    message.resize(pos);
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
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
  return Error{code, what + ": " + message + " (database " + redacted_url_ + ")"};
}

NullableText time_text(const std::optional<SysTime>& t) {
  return NullableText(t ? std::optional<std::string>(format_utc(*t)) : std::nullopt);
}

std::optional<SysTime> parse_time_text(const NullableText& text) {
  if (text.ind != soci::i_ok) {
    return std::nullopt;
  }
  auto parsed = parse_utc(text.value);
  if (!parsed) {
    return std::nullopt;
  }
  return *parsed;
}

}  // namespace orch::store
