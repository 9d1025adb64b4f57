#pragma once

// Internal to orchestrator/store: reading stored values that may not be what the store wrote.
// One policy for every store: a value that does not parse fails the read of its row, naming the
// row and the column and what is allowed, rather than stand in for a made-up one.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/base/time.h"
#include "orchestrator/store/bad_rows.h"
#include "orchestrator/store/soci_connection.h"

namespace orch::store {

// Thrown while reading a row whose stored value is not one; SociConnection::to_error() turns it
// into a kInternal error with its message kept whole.
class BadStoredValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws BadStoredValue: `row`'s `column` holds `text`, which is no time.
[[noreturn]] void throw_bad_time(const std::string& text, const std::string& row,
                                 std::string_view column);

// A stored time as time_column() reads it. `row_name()` names the row ("run 42", "team 7"), called
// only for a bad value (a read of thousands of rows puts no name together), and `column` its
// column. Throws BadStoredValue when the text is no time.
template <class RowName>
SysTime stored_time(const std::string& text, const RowName& row_name, std::string_view column) {
  auto parsed = parse_utc(text);
  if (!parsed) {
    throw_bad_time(text, row_name(), column);
  }
  return *parsed;
}
// The same for a column that may be NULL: NULL reads as std::nullopt, text that is no time throws.
template <class RowName>
std::optional<SysTime> stored_time(const NullableText& text, const RowName& row_name,
                                   std::string_view column) {
  if (text.ind != soci::i_ok) {
    return std::nullopt;
  }
  return stored_time(text.value, row_name, column);
}

// The error logged for a row passed over (read_row with kSkipAndLog).
void log_skipped_row(const BadStoredValue& e);

// Converts one fetched row with `read`, which throws BadStoredValue for a bad value. With
// BadRows::kFail the exception goes on (the read fails); with kSkipAndLog it is logged as an
// error naming the row and std::nullopt is returned (the row is passed over).
template <class Read>
auto read_row(BadRows bad_rows, Read&& read) -> std::optional<decltype(read())> {
  try {
    return read();
  } catch (const BadStoredValue& e) {
    if (bad_rows == BadRows::kFail) {
      throw;
    }
    log_skipped_row(e);
    return std::nullopt;
  }
}

}  // namespace orch::store
