#include "orchestrator/store/soci_stored_values.h"

#include "config/base/log.h"

namespace orch::store {

void throw_bad_time(const std::string& text, const std::string& row, std::string_view column) {
  throw BadStoredValue(row + " has the " + std::string(column) + " '" + text +
                       "', which is not a time (YYYY-MM-DDTHH:MM:SS[.mmm] and Z or an offset)");
}

void log_skipped_row(const BadStoredValue& e) {
  log::error("stored_row_skipped",
             {{"reason", e.what()}, {"effect", "passed over until the value is mended"}});
}

}  // namespace orch::store
