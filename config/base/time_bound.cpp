#include "config/base/time_bound.h"

#include <charconv>
#include <cstdint>
#include <string>

#include <date/tz.h>

namespace orch {
namespace {

SysTime local_to_sys(date::local_time<std::chrono::milliseconds> local,
                     const date::time_zone& zone) {
  // A midnight or wall time inside a daylight-saving gap becomes the instant the gap ends, one
  // repeated by a fall-back its first occurrence: a range that starts there loses nothing.
  return std::chrono::time_point_cast<std::chrono::milliseconds>(
      zone.to_sys(local, date::choose::earliest));
}

SysTime local_midnight(Date day, const date::time_zone& zone) {
  return local_to_sys(date::local_days(day), zone);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.size() < 2) {
    return std::nullopt;
  }
  std::int64_t count = 0;
  const char* end = text.data() + text.size() - 1;
  auto [ptr, ec] = std::from_chars(text.data(), end, count);
  if (ec != std::errc() || ptr != end || count < 0 || count > 100LL * 365) {
    return std::nullopt;  // more than a century of days is a typo, whatever the unit
  }
  switch (text.back()) {
    case 's':
      return std::chrono::seconds(count);
    case 'm':
      return std::chrono::minutes(count);
    case 'h':
      return std::chrono::hours(count);
    case 'd':
      return date::days(count);
    case 'w':
      return date::weeks(count);
    default:
      return std::nullopt;
  }
}

}  // namespace

Result<SysTime> parse_time_bound(std::string_view text, SysTime now, const date::time_zone& zone) {
  if (text == "today" || text == "yesterday") {
    Date today = local_date(now, zone);
    return local_midnight(text == "today" ? today : Date(date::sys_days(today) - date::days(1)),
                          zone);
  }
  if (auto ago = parse_duration(text)) {
    return now - *ago;
  }
  if (text.size() == 10) {
    if (auto day = parse_date(text)) {
      return local_midnight(*day, zone);
    }
  }
  if (auto instant = parse_utc(text)) {
    return *instant;
  }
  // A date and time without a zone designator: read as if in UTC, then taken as a wall time.
  if (auto wall = parse_utc(std::string(text) + "Z")) {
    return local_to_sys(date::local_time<std::chrono::milliseconds>(wall->time_since_epoch()),
                        zone);
  }
  return invalid_argument("'" + std::string(text) +
                          "' is not a time: use 2026-12-04T19:00 (local time), 2026-12-04, an "
                          "instant with Z or +HH:MM, a span back from now such as 30m, 2h, 7d, "
                          "or today, yesterday");
}

}  // namespace orch
