#include "orchestrator/schedule/cron_next_fire.h"

#include <algorithm>
#include <cstdlib>

#include <date/tz.h>

namespace orch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr date::year kLastYear{9999};

// The first set bit at or after `from`, if any.
template <std::size_t N>
std::optional<unsigned> next_set(const std::bitset<N>& bits, unsigned from) {
  for (unsigned i = from; i < N; ++i) {
    if (bits[i]) {
      return i;
    }
  }
  return std::nullopt;
}

date::year_month_day first_of_next_month(date::year_month_day d) {
  return date::year_month_day{d.year() / d.month() / 1} + date::months(1);
}

// The smallest UTC offset in force around `t` that a wall time firing after `t` can have been
// mapped with. Only a transition within one shift of `t` matters: the repeated hour of a jump
// back holds wall times whose second pass is after `t` while their first is not.
seconds smallest_offset_near(const date::time_zone& zone, date::sys_seconds t) {
  const date::sys_info here = zone.get_info(t);
  seconds smallest = here.offset;
  constexpr auto kHorizon = date::sys_days{date::year{1800} / 1 / 1};
  if (here.begin > kHorizon) {
    seconds before = zone.get_info(here.begin - seconds(1)).offset;
    if (t - here.begin <= std::chrono::abs(before - here.offset) + minutes(1)) {
      smallest = std::min(smallest, before);
    }
  }
  if (here.end < date::sys_days{date::year{9000} / 1 / 1}) {
    seconds after = zone.get_info(here.end).offset;
    if (here.end - t <= std::chrono::abs(after - here.offset) + minutes(1)) {
      smallest = std::min(smallest, after);
    }
  }
  return smallest;
}

// The day to try after `day`, whose day fields the expression refuses.
date::year_month_day next_day_to_try(const CronExpression& cron, date::year_month_day day) {
  if (!cron.day_of_month_star && !cron.day_of_week_star) {
    return date::year_month_day{date::local_days(day) + date::days(1)};
  }
  // A day must match both day fields, so none before the next day of the month listed can: go
  // straight to it rather than day by day.
  const auto last = static_cast<unsigned>((day.year() / day.month() / date::last).day());
  std::optional<unsigned> listed =
      next_set(cron.days_of_month, static_cast<unsigned>(day.day()) + 1);
  return listed && *listed <= last ? day.year() / day.month() / date::day(*listed)
                                   : first_of_next_month(day);
}

// Where the search for a matching wall time stands: a day, and a time within it.
struct WallCursor {
  date::year_month_day day;
  unsigned hour = 0;
  unsigned minute = 0;

  void start_of(date::year_month_day next) {
    day = next;
    hour = 0;
    minute = 0;
  }
};

}  // namespace

std::optional<date::local_seconds> next_matching_wall_time(const CronExpression& cron,
                                                           date::local_seconds from) {
  const auto start = date::ceil<minutes>(from);
  const date::local_days start_day = date::floor<date::days>(start);
  const auto since_midnight = date::floor<minutes>(start - start_day);
  WallCursor at{date::year_month_day{start_day}, static_cast<unsigned>(since_midnight.count() / 60),
                static_cast<unsigned>(since_midnight.count() % 60)};
  // Each step settles one field or moves a larger one on: at most 12 month steps a year, and
  // 31 day steps (one per listed day unless both day fields are restricted), 24 hour steps and
  // 60 minute steps in a matching month.
  while (at.day.year() <= kLastYear) {
    if (!cron.months[static_cast<unsigned>(at.day.month())]) {
      at.start_of(first_of_next_month(at.day));
      continue;
    }
    const date::weekday weekday{date::local_days(at.day)};
    if (!cron_day_matches(cron, static_cast<unsigned>(at.day.day()),
                          static_cast<unsigned>(at.day.month()), weekday.c_encoding())) {
      at.start_of(next_day_to_try(cron, at.day));
      continue;
    }
    std::optional<unsigned> h = next_set(cron.hours, at.hour);
    if (!h) {
      at.start_of(date::year_month_day{date::local_days(at.day) + date::days(1)});
      continue;
    }
    if (*h != at.hour) {
      at.hour = *h;
      at.minute = 0;
    }
    std::optional<unsigned> m = next_set(cron.minutes, at.minute);
    if (!m) {
      ++at.hour;
      at.minute = 0;
      if (at.hour == 24) {
        at.start_of(date::year_month_day{date::local_days(at.day) + date::days(1)});
      }
      continue;
    }
    return date::local_seconds{date::local_days(at.day)} + hours(at.hour) + minutes(*m);
  }
  return std::nullopt;
}

std::optional<SysTime> next_cron_fire(const CronExpression& cron, const date::time_zone& zone,
                                      SysTime after, DstPolicy policy) {
  const auto after_seconds = date::floor<seconds>(after);
  // Wall times are searched in increasing order. Their earliest instants never decrease, but a
  // wildcard job's second pass through a repeated hour comes after later wall times' first
  // passes: so the search starts early enough to see that hour, and stops only once a wall
  // time's earliest instant is no earlier than the best fire found.
  date::local_seconds from{after_seconds.time_since_epoch() +
                           smallest_offset_near(zone, after_seconds)};
  std::optional<SysTime> best;
  while (true) {
    std::optional<date::local_seconds> wall = next_matching_wall_time(cron, from);
    if (!wall) {
      return best;
    }
    const WallTimeFires fires = fires_at_wall_time(*wall, zone, cron.kind, policy);
    if (best && fires.earliest >= *best) {
      return best;
    }
    for (std::size_t i = 0; i < fires.count; ++i) {
      if (fires.at[i] > after && (!best || fires.at[i] < *best)) {
        best = fires.at[i];
      }
    }
    from = *wall + minutes(1);
    if (fires.skipped && fires.count == 0) {
      // A wildcard job loses every time in the gap: resume where local time resumes.
      from = std::max(from, fires.gap_end);
    }
  }
}

std::vector<SysTime> next_cron_fires(const CronExpression& cron, const date::time_zone& zone,
                                     SysTime after, int count) {
  std::vector<SysTime> out;
  for (int i = 0; i < count; ++i) {
    std::optional<SysTime> next = next_cron_fire(cron, zone, after);
    if (!next) {
      break;
    }
    out.push_back(*next);
    after = *next;
  }
  return out;
}

}  // namespace orch
