#include "config/base/time.h"

#include <charconv>
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

std::string format_date(Date d) { return date::format("%F", d); }

namespace {

// Writes `value` as exactly `width` digits ending before `end`.
void put_digits(char* end, long long value, int width) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// "YYYY-MM-DDTHH:MM:SS[.mmm]Z" by arithmetic: date::format (a stream and a locale per call) was
// a fiftieth of the service's CPU in a storm of runs, which format several times each. Years
// outside 0-9999 go to date::format, which writes them the way it always did.
std::string format_instant(SysTime t, bool with_millis) {
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd(day);
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    return with_millis ? date::format("%FT%TZ", t)
                       : date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
  }
  const long long ms = (t - day).count();  // since midnight, 0 to 86,399,999
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
  return format_instant(t, true);
}

std::string format_utc_seconds(SysTime t) {
  return format_instant(t, false);
}

Result<SysTime> parse_utc(std::string_view text) {
  auto bad = [&] {
    return invalid_argument("'" + std::string(text) +
                            "' is not an ISO-8601 instant: use YYYY-MM-DDTHH:MM:SSZ or an offset "
                            "such as +01:00");
  };
  if (text.size() < 10) {
    return bad();
  }
  auto day = parse_date(text.substr(0, 10));
  if (!day) {
    return bad();
  }
  std::size_t pos = 10;
  if (!expect(text, pos, 'T') && !expect(text, pos, ' ')) {
    return bad();
  }
  auto h = read_digits(text, pos, 2);
  std::optional<int> m, s = 0;
  if (h && expect(text, pos, ':')) {
    m = read_digits(text, pos, 2);
  }
  if (m && expect(text, pos, ':')) {
    s = read_digits(text, pos, 2);
  }
  int millis = 0;
  if (s && expect(text, pos, '.')) {
    std::size_t start = pos;
    int scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) {
      return bad();
    }
  }
  if (!m || !s || *h > 23 || *m > 59 || *s > 60) {
    return bad();
  }
  std::chrono::minutes offset{0};
  if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = read_digits(text, pos, 2);
    std::optional<int> om = 0;
    if (oh && expect(text, pos, ':')) {
      om = read_digits(text, pos, 2);
    } else if (oh && pos < text.size()) {
      om = read_digits(text, pos, 2);
    }
    if (!oh || !om || *oh > 23 || *om > 59) {
      return bad();
    }
    offset = sign * (std::chrono::hours(*oh) + std::chrono::minutes(*om));
  } else {
    return bad();
  }
  if (pos != text.size()) {
    return bad();
  }
  SysTime t = date::sys_days(*day) + std::chrono::hours(*h) + std::chrono::minutes(*m) +
              std::chrono::seconds(*s) + std::chrono::milliseconds(millis);
  return t - offset;
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
