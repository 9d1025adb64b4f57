#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "config/base/result.h"

namespace date {
class time_zone;
}

namespace orch {

// An instant in UTC, to the millisecond: slots are whole seconds, but start lateness and durations
// are measured in milliseconds.
using SysTime = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using Date = date::year_month_day;

// A wall-clock time of day (what "02:00" or "02:00:30" means), without a date or zone.
struct TimeOfDay {
  std::chrono::seconds since_midnight{0};
  friend bool operator==(const TimeOfDay&, const TimeOfDay&) = default;
};

// Parses "HH:MM" or "HH:MM:SS" (24-hour clock).
Result<TimeOfDay> parse_time_of_day(std::string_view text);
std::string format_time_of_day(TimeOfDay t);  // "HH:MM:SS"

// Parses "YYYY-MM-DD" (a real calendar date).
Result<Date> parse_date(std::string_view text);
std::string format_date(Date d);  // "YYYY-MM-DD"

// "YYYY-MM-DDTHH:MM:SS.mmmZ": the form every time is stored in and printed as.
std::string format_utc(SysTime t);
// "YYYY-MM-DDTHH:MM:SSZ": whole seconds, for slots and plans.
std::string format_utc_seconds(SysTime t);
// Parses an ISO-8601 instant: "YYYY-MM-DD[T ]HH:MM[:SS[.fff]]" followed by "Z", "+HH:MM" or
// "-HH:MM" (an offset is required: an instant without one is ambiguous).
Result<SysTime> parse_utc(std::string_view text);

// Looks a zone up in the system's IANA database (/usr/share/zoneinfo).
Result<const date::time_zone*> find_zone(std::string_view name);

// The local date and wall time of `t` in `zone`, e.g. "2026-11-23 03:00:00 CET".
std::string format_local(SysTime t, const date::time_zone& zone);
Date local_date(SysTime t, const date::time_zone& zone);

}  // namespace orch
