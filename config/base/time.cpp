#include "config/base/time.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <sstream>
#include <stdexcept>

#include <date/tz.h>

namespace orch {
namespace {

// Reads exactly `width` digits at `pos`; advances `pos`.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

Result<TimeOfDay> parse_time_of_day(std::string_view text) {
  auto bad = [&] {
    return invalid_argument("'" + std::string(text) +
                            "' is not a time of day: use HH:MM or HH:MM:SS, 00:00 to 23:59:59");
  };
  std::size_t pos = 0;
  auto h = read_digits(text, pos, 2);
  if (!h || !expect(text, pos, ':')) {
    return bad();
  }
  auto m = read_digits(text, pos, 2);
  std::optional<int> s = 0;
  if (m && pos < text.size()) {
    s = expect(text, pos, ':') ? read_digits(text, pos, 2) : std::nullopt;
  }
  if (!m || !s || pos != text.size() || *h > 23 || *m > 59 || *s > 59) {
    return bad();
  }
  return TimeOfDay{std::chrono::hours(*h) + std::chrono::minutes(*m) + std::chrono::seconds(*s)};
}

std::string format_time_of_day(TimeOfDay t) {
  return date::format("%T", t.since_midnight);
}

Result<Date> parse_date(std::string_view text) {
  std::size_t pos = 0;
  auto y = read_digits(text, pos, 4);
  std::optional<int> m, d;
  if (y && expect(text, pos, '-')) {
    m = read_digits(text, pos, 2);
    if (m && expect(text, pos, '-')) {
      d = read_digits(text, pos, 2);
    }
  }
  if (d && pos == text.size()) {
    Date date{date::year(*y), date::month(static_cast<unsigned>(*m)),
              date::day(static_cast<unsigned>(*d))};
    if (date.ok()) {
      return date;
    }
  }
  return invalid_argument("'" + std::string(text) + "' is not a date: use YYYY-MM-DD");
}

std::string format_date(Date d) {
  return date::format("%F", d);
}

namespace {

// Writes `value` as exactly `width` digits ending before `end`.
void put_digits(char* end, std::int64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// "YYYY-MM-DDTHH:MM:SS[.mmm]Z" by arithmetic: date::format (a stream and a locale per call) was
// a fiftieth of the service's CPU in a storm of runs, which format several times each. Years
// outside 0-9999 go to date::format, which writes them the way it always did.
enum class Precision { kMilliseconds, kSeconds };

std::string format_instant(SysTime t, Precision precision) {
  const bool with_millis = precision == Precision::kMilliseconds;
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd(day);
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    return with_millis ? date::format("%FT%TZ", t)
                       : date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
  }
  const std::int64_t ms = (t - day).count();  // since midnight, 0 to 86,399,999
  std::string text = with_millis ? "0000-00-00T00:00:00.000Z" : "0000-00-00T00:00:00Z";
  char* p = text.data();
  put_digits(p + 4, year, 4);
  put_digits(p + 7, static_cast<unsigned>(ymd.month()), 2);
  put_digits(p + 10, static_cast<unsigned>(ymd.day()), 2);
  put_digits(p + 13, ms / 3'600'000, 2);
  put_digits(p + 16, ms / 60'000 % 60, 2);
  put_digits(p + 19, ms / 1000 % 60, 2);
  if (with_millis) {
    put_digits(p + 23, ms % 1000, 3);
  }
  return text;
}

}  // namespace

std::string format_utc(SysTime t) {
  return format_instant(t, Precision::kMilliseconds);
}

std::string format_utc_seconds(SysTime t) {
  return format_instant(t, Precision::kSeconds);
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether `text` starts "YYYY-MM-DDTHH:MM" (or with a space for the T), two digits to a field.
bool has_iso_head(std::string_view text) {
  static constexpr std::string_view kHead = "0000-00-00T00:00";
  if (text.size() < kHead.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kHead.size(); ++i) {
    const char c = text[i];
    const bool fits = kHead[i] == '0'   ? is_digit(c)
                      : kHead[i] == 'T' ? c == 'T' || c == ' '
                                        : c == kHead[i];
    if (!fits) {
      return false;
    }
  }
  return true;
}

// Checks the ":SS[.f...]" at `pos` (if any) for two digits of seconds and at least one of a
// fraction, and cuts the fraction to three digits.
bool spell_seconds(std::string& iso, std::size_t pos) {
  if (pos >= iso.size() || iso[pos] != ':') {
    return true;
  }
  if (pos + 2 >= iso.size() || !is_digit(iso[pos + 1]) || !is_digit(iso[pos + 2])) {
    return false;
  }
  pos += 3;
  if (pos >= iso.size() || iso[pos] != '.') {
    return true;
  }
  std::size_t digits = 0;
  while (pos + 1 + digits < iso.size() && is_digit(iso[pos + 1 + digits])) {
    ++digits;
  }
  if (digits > 3) {
    iso.erase(pos + 4, digits - 3);
  }
  return digits > 0;
}

// "z" as "Z", and "+01:00" as "+0100", which %z reads (besides "+01"); an offset's minutes must
// be below 60.
bool spell_zone(std::string& iso) {
  if (iso.back() == 'z') {
    iso.back() = 'Z';
  }
  const std::size_t n = iso.size();
  if (n >= 6 && (iso[n - 6] == '+' || iso[n - 6] == '-') && iso[n - 3] == ':') {
    iso.erase(n - 3, 1);
    return iso[n - 3] <= '5';
  }
  return !(n >= 5 && (iso[n - 5] == '+' || iso[n - 5] == '-') && iso[n - 2] > '5');
}

// `text` spelt the one way parse_utc's date::parse forms read it, or nullopt when its layout is
// not ISO 8601's. date::parse takes one digit where ISO 8601 has two ("2:5") and at most
// milliseconds in a fraction, so the layout is checked here and the fraction cut to three digits
// (an instant is kept to the millisecond, rounded down).
std::optional<std::string> iso_spelling(std::string_view text) {
  if (!has_iso_head(text)) {
    return std::nullopt;
  }
  std::string iso(text);
  iso[10] = 'T';
  if (!spell_seconds(iso, 16) || !spell_zone(iso)) {
    return std::nullopt;
  }
  return iso;
}

}  // namespace

Result<SysTime> parse_utc(std::string_view text) {
  const auto iso = iso_spelling(text);
  if (iso) {
    // Seconds are optional: "%T" reads "HH:MM:SS[.fff]", "%R" "HH:MM".
    static constexpr std::array<const char*, 4> kForms = {"%FT%TZ", "%FT%T%z", "%FT%RZ", "%FT%R%z"};
    std::istringstream in;
    for (const char* form : kForms) {
      in.clear();
      in.str(*iso);
      SysTime instant;
      std::chrono::minutes offset{0};
      in >> date::parse(form, instant, offset);  // an instant with an offset comes back in UTC
      if (!in.fail() && in.peek() == std::istringstream::traits_type::eof() &&
          std::chrono::abs(offset) < std::chrono::hours(24)) {
        return instant;
      }
    }
  }
  return invalid_argument("'" + std::string(text) +
                          "' is not an ISO-8601 instant: use YYYY-MM-DDTHH:MM:SSZ or an offset "
                          "such as +01:00");
}

Result<const date::time_zone*> find_zone(std::string_view name) {
  if (name.empty()) {
    return invalid_argument("'' is not a time zone: use an IANA name such as Europe/Berlin");
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return invalid_argument("'" + std::string(name) +
                            "' is not a known time zone: use an IANA name such as "
                            "America/New_York or UTC");
  }
}

std::string format_local(SysTime t, const date::time_zone& zone) {
  auto zoned = date::make_zoned(&zone, std::chrono::time_point_cast<std::chrono::seconds>(t));
  return date::format("%F %T %Z", zoned);
}

Date local_date(SysTime t, const date::time_zone& zone) {
  auto local = zone.to_local(t);
  return Date{date::floor<date::days>(local)};
}

}  // namespace orch
