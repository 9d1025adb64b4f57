#include "pipeline/purchase_date.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace orch::pipeline {
namespace {

// Indexed by date::weekday::c_encoding(): Sunday is 0, as in struct tm.
constexpr std::array<const char*, 7> kWeekdayNames = {"sunday",   "monday", "tuesday", "wednesday",
                                                      "thursday", "friday", "saturday"};

}  // namespace

Date purchase_date(Date run_date, date::weekday weekday) {
  const date::sys_days day{run_date};
  // weekday - weekday is the forward distance, 0 to 6 days; 0 means a whole week, since the
  // purchase date is strictly after the run date.
  date::days ahead = weekday - date::weekday{day};
  if (ahead == date::days{0}) {
    ahead = date::days{7};
  }
  return Date{day + ahead};
}

Result<date::weekday> parse_weekday(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (unsigned i = 0; i < kWeekdayNames.size(); ++i) {
    std::string_view name = kWeekdayNames[i];
    if (lower == name || lower == name.substr(0, 3)) {
      return date::weekday{i};
    }
  }
  return invalid_argument("'" + std::string(text) +
                          "' is not a weekday: use monday, tuesday, wednesday, thursday, friday, "
                          "saturday or sunday, or their first three letters (mon, tue, ...)");
}

const char* weekday_name(date::weekday weekday) {
  if (!weekday.ok()) {
    return "invalid weekday";
  }
  return kWeekdayNames[weekday.c_encoding()];
}

}  // namespace orch::pipeline
