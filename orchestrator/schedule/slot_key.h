#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/base/time.h"

namespace orch {

// Which slot of a schedule a run stands for. A daily schedule runs at most once per run date; a
// cron schedule, which may fire several times a day, once per fire instant. The text form is the
// store's (pipeline_runs.slot_key) and the API's: "YYYY-MM-DD" for a run date,
// "YYYY-MM-DDTHH:MM:SSZ" for a fire instant, so that keys of one schedule sort by time.
struct SlotKey {
  // What the key holds. Unscoped within SlotKey, so it reads SlotKey::kRunDate.
  enum Kind : std::uint8_t { kRunDate, kFireInstant };

  static SlotKey of_run_date(Date day) { return SlotKey{kRunDate, day, SysTime{}}; }
  static SlotKey of_fire_instant(SysTime at) { return SlotKey{kFireInstant, Date{}, at}; }

  // The key that `text` writes; std::nullopt for anything but the two forms above.
  static std::optional<SlotKey> parse(std::string_view text);
  std::string text() const;  // the fire instant to the whole second

  Kind kind = kRunDate;
  Date run_date;  // kRunDate only
  SysTime at;     // kFireInstant only
  friend bool operator==(const SlotKey&, const SlotKey&) = default;
};

}  // namespace orch
