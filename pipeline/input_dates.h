#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/base/time.h"

namespace orch::pipeline {

// Stands for the date in a name pattern; NUL cannot occur in a file name, so no real name clashes.
inline constexpr std::string_view kDatePlaceholder{"\0date\0", 6};

struct DatedName {
  Date date;
  std::string pattern;  // the name with its date replaced by kDatePlaceholder
};

// The first date in `name`, written YYYYMMDD or YYYY-MM-DD with a year from 1900 to 2999, that is
// not part of a longer run of digits: "loans_20261120.csv" and "loans_2026-11-20.csv" are dated,
// "batch_202611201.csv" is not. A pure function of the bytes of the name.
std::optional<DatedName> find_name_date(std::string_view name);

}  // namespace orch::pipeline
