// The cron parser: never crashes; an expression it accepts parses the same way again (also from
// its own text) and has a next fire, strictly later, whose wall time every field accepts; an
// expression it refuses gets a one-line message.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>
#include <date/tz.h>

#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/cron_next_fire.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

bool same(const orch::CronExpression& a, const orch::CronExpression& b) {
  return a.minutes == b.minutes && a.hours == b.hours && a.days_of_month == b.days_of_month &&
         a.months == b.months && a.days_of_week == b.days_of_week &&
         a.day_of_month_star == b.day_of_month_star && a.day_of_week_star == b.day_of_week_star &&
         a.kind == b.kind;
}

// Whether every field of `cron` accepts the wall time `t`.
bool accepts(const orch::CronExpression& cron, date::local_seconds t) {
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss time{t - day};
  const unsigned weekday = date::weekday{day}.c_encoding();
  return cron.minutes.test(static_cast<std::size_t>(time.minutes().count())) &&
         cron.hours.test(static_cast<std::size_t>(time.hours().count())) &&
         cron.months.test(static_cast<unsigned>(ymd.month())) &&
         orch::cron_day_matches(cron, static_cast<unsigned>(ymd.day()),
                                static_cast<unsigned>(ymd.month()), weekday);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto cron = orch::parse_cron(text);
  auto again = orch::parse_cron(text);
  FUZZ_CHECK(cron.has_value() == again.has_value());
  if (!cron) {
    FUZZ_CHECK(cron.error().message == again.error().message);
    FUZZ_CHECK(!cron.error().message.empty());
    FUZZ_CHECK(cron.error().message.find('\n') == std::string::npos);
    return 0;
  }
  FUZZ_CHECK(same(*cron, *again));
  auto reparsed = orch::parse_cron(cron->text);
  FUZZ_CHECK(reparsed.has_value() && same(*cron, *reparsed));

  // In UTC (no daylight saving) the next fire is exactly the next wall time the fields accept.
  using namespace std::chrono_literals;
  const auto from = date::local_days{date::year{2026} / 3 / 29} + 59min + 30s;
  auto wall = orch::next_matching_wall_time(*cron, from);
  FUZZ_CHECK(wall.has_value());
  FUZZ_CHECK(*wall >= from && accepts(*cron, *wall));
  const date::time_zone* utc = date::locate_zone("UTC");
  const orch::SysTime after{from.time_since_epoch()};
  auto fire = orch::next_cron_fire(*cron, *utc, after);
  FUZZ_CHECK(fire.has_value());
  FUZZ_CHECK(*fire > after);
  const date::local_seconds fire_wall{date::floor<std::chrono::seconds>(*fire).time_since_epoch()};
  FUZZ_CHECK(accepts(*cron, fire_wall));
  FUZZ_CHECK(fire_wall == *wall);
  return 0;
}
