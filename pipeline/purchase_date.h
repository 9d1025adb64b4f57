#pragma once

#include <string_view>

#include <date/date.h>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch::pipeline {

// The purchase date of a run: the first `weekday` strictly after `run_date` (on a Tuesday, with
// weekday Tuesday, the Tuesday a week later).
Date purchase_date(Date run_date, date::weekday weekday);

// Parses a weekday name, case-insensitive: "tuesday" or "tue".
Result<date::weekday> parse_weekday(std::string_view text);

// "tuesday".
const char* weekday_name(date::weekday weekday);

}  // namespace orch::pipeline
