#include "orchestrator/schedule/slot_key.h"

namespace orch {

std::optional<SlotKey> SlotKey::parse(std::string_view text) {
  // A run date is also the start of an instant's text, but no instant: parse_utc wants a time.
  if (auto day = parse_date(text)) {
    return of_run_date(*day);
  }
  if (auto at = parse_utc(text)) {
    return of_fire_instant(*at);
  }
  return std::nullopt;
}

std::string SlotKey::text() const {
  return kind == kRunDate ? format_date(run_date) : format_utc_seconds(at);
}

}  // namespace orch
