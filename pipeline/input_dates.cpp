#include "pipeline/input_dates.h"

#include <cstddef>
#include <utility>

#include <date/date.h>

namespace orch::pipeline {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The number written by the `width` digits at `pos`, if they are all digits.
std::optional<unsigned> read_number(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

std::optional<Date> make_date(unsigned y, unsigned m, unsigned d) {
  // Years outside 1900-2999 are far more likely serial numbers or amounts than dates.
  if (y < 1900 || y > 2999) {
    return std::nullopt;
  }
  Date date{date::year(static_cast<int>(y)), date::month(m), date::day(d)};
  return date.ok() ? std::optional<Date>(date) : std::nullopt;
}

// A date written at `pos` as YYYY-MM-DD (length 10) or YYYYMMDD (length 8).
std::optional<std::pair<Date, std::size_t>> date_at(std::string_view name, std::size_t pos) {
  auto y = read_number(name, pos, 4);
  if (!y) {
    return std::nullopt;
  }
  if (pos + 4 < name.size() && name[pos + 4] == '-') {
    auto m = read_number(name, pos + 5, 2);
    auto d = read_number(name, pos + 8, 2);
    if (m && d && name[pos + 7] == '-') {
      if (auto date = make_date(*y, *m, *d)) {
        return std::pair{*date, std::size_t{10}};
      }
    }
    return std::nullopt;
  }
  auto m = read_number(name, pos + 4, 2);
  auto d = read_number(name, pos + 6, 2);
  if (m && d) {
    if (auto date = make_date(*y, *m, *d)) {
      return std::pair{*date, std::size_t{8}};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<DatedName> find_name_date(std::string_view name) {
  for (std::size_t pos = 0; pos < name.size(); ++pos) {
    if (!is_digit(name[pos]) || (pos > 0 && is_digit(name[pos - 1]))) {
      continue;
    }
    auto found = date_at(name, pos);
    if (!found) {
      continue;
    }
    std::size_t end = pos + found->second;
    if (end < name.size() && is_digit(name[end])) {
      continue;
    }
    std::string pattern(name.substr(0, pos));
    pattern += kDatePlaceholder;
    pattern += name.substr(end);
    return DatedName{found->first, std::move(pattern)};
  }
  return std::nullopt;
}

}  // namespace orch::pipeline
