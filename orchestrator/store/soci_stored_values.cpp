#include "orchestrator/store/soci_stored_values.h"

#include "config/base/log.h"

namespace orch::store {

SysTime stored_time(const std::string& text, const std::string& row, std::string_view column) {
  auto parsed = parse_utc(text);
  if (!parsed) {
    throw BadStoredValue(row + " has the " + std::string(column) + " '" + text +
                         "', which is not a time (YYYY-MM-DDTHH:MM:SS[.mmm] and Z or an offset)");
  }
  return *parsed;
}

std::optional<SysTime> stored_time(const NullableText& text, const std::string& row,
                                   std::string_view column) {
  if (text.ind != soci::i_ok) {
    return std::nullopt;
  }
  return stored_time(text.value, row, column);
}

void log_skipped_row(const BadStoredValue& e) {
  log::error("stored_row_skipped",
             {{"reason", e.what()}, {"effect", "passed over until the value is mended"}});
}

}  // namespace orch::store
