#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "config/base/result.h"
#include "orchestrator/schedule/dst_policy.h"

namespace orch {

// A parsed 5-field cron expression with Vixie cron's meaning (crontab(5)). A plain value: copy
// it freely; any thread may read it.
struct CronExpression {
  std::string text;               // as written, e.g. "30 2 * * 1-5" or "@daily"
  std::bitset<60> minutes;        // 0-59
  std::bitset<24> hours;          // 0-23
  std::bitset<32> days_of_month;  // 1-31 (bit 0 unused)
  std::bitset<13> months;         // 1-12 (bit 0 unused)
  std::bitset<7> days_of_week;    // 0-6, Sunday is 0 (a written 7 lands on 0)
  // Vixie's DOM_STAR / DOW_STAR: the day field was written starting with `*`. When either is
  // set a day must match both day fields; otherwise it matches when either matches.
  bool day_of_month_star = false;
  bool day_of_week_star = false;
  // Vixie's MIN_STAR / HR_STAR: decides how the job meets daylight saving.
  JobKind kind = JobKind::kFixedTime;
};

// Parses `text`. Accepted: exactly 5 fields of `*`, `N`, `N-M`, `*/S`, `N-M/S` and comma lists
// of them; month and weekday names (case-insensitive) wherever a number may stand; weekday 0-7
// (0 and 7 are Sunday); the nicknames @yearly @annually @monthly @weekly @daily @midnight
// @hourly. Anything else, and an expression that can never fire (`0 0 30 2 *`), fails with
// kInvalidArgument and one line naming the field, the offending text and what is allowed.
Result<CronExpression> parse_cron(std::string_view text);

// Whether the expression's day fields accept this civil date (Vixie's day-field rule).
// Requires: `weekday` is the date's weekday, 0 (Sunday) to 6.
bool cron_day_matches(const CronExpression& cron, unsigned day_of_month, unsigned month,
                      unsigned weekday);

}  // namespace orch
