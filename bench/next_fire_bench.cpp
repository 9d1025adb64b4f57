// Next fire time: the cost of the pure slot computations the scheduler runs for every team at
// start-up, at each wake and at every reschedule. Target: under 2 microseconds per call.
#include <chrono>
#include <cstdlib>

#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "config/base/time.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/cron_next_fire.h"
#include "orchestrator/schedule/daily_slot.h"

namespace {

// The BM_ functions' names are the benchmarks' names in the reports (bench/next_fire_jsonl.py),
// so they keep Google Benchmark's naming rather than ours.

const date::time_zone& zone_named(const char* name) {
  auto zone = orch::find_zone(name);
  if (!zone) {
    std::abort();
  }
  return **zone;
}

orch::SysTime instant(const char* iso) {
  auto t = orch::parse_utc(iso);
  if (!t) {
    std::abort();
  }
  return *t;
}

// Walks `after` forward by a little over a day per call, so the loop visits every season and both
// DST transitions instead of hitting one cached answer.
void next_daily_slot_in(benchmark::State& state, const char* zone_name, const char* run_time) {
  const date::time_zone& zone = zone_named(zone_name);
  auto time = orch::parse_time_of_day(run_time);
  if (!time) {
    std::abort();
  }
  const orch::SysTime start = instant("2026-01-01T00:00:00Z");
  orch::SysTime after = start;
  for (auto iteration : state) {
    static_cast<void>(iteration);
    orch::DailySlot slot = orch::next_daily_slot(*time, zone, after);
    benchmark::DoNotOptimize(slot);
    after = slot.at + std::chrono::minutes(7);
    if (after > start + date::days(3 * 365)) {
      after = start;
    }
  }
}

// A typical daily slot in a zone with daylight saving.
// NOLINTNEXTLINE(readability-identifier-naming)
void BM_NextDailySlot_EuropeLondon(benchmark::State& state) {
  next_daily_slot_in(state, "Europe/London", "02:00");
}
BENCHMARK(BM_NextDailySlot_EuropeLondon);

// A run time inside the skipped hour on spring-forward days (runs at the first instant after).
// NOLINTNEXTLINE(readability-identifier-naming)
void BM_NextDailySlot_NewYorkSkippedHour(benchmark::State& state) {
  next_daily_slot_in(state, "America/New_York", "02:30");
}
BENCHMARK(BM_NextDailySlot_NewYorkSkippedHour);

// No daylight saving at all: the floor the zone lookups are measured against.
// NOLINTNEXTLINE(readability-identifier-naming)
void BM_NextDailySlot_Utc(benchmark::State& state) {
  next_daily_slot_in(state, "UTC", "02:00");
}
BENCHMARK(BM_NextDailySlot_Utc);

// The next fire of a cron expression, walking forward from fire to fire (plus a little), so every
// field's jump and both DST transitions of the zone are visited.
void next_cron_fire_in(benchmark::State& state, const char* zone_name, const char* expression) {
  const date::time_zone& zone = zone_named(zone_name);
  auto cron = orch::parse_cron(expression);
  if (!cron) {
    std::abort();
  }
  const orch::SysTime start = instant("2026-01-01T00:00:00Z");
  orch::SysTime after = start;
  for (auto iteration : state) {
    static_cast<void>(iteration);
    auto fire = orch::next_cron_fire(*cron, zone, after);
    benchmark::DoNotOptimize(fire);
    after = (fire ? *fire : start) + std::chrono::seconds(7);
    if (after > start + date::days(3 * 365)) {
      after = start;
    }
  }
}

// A typical expression with a list, steps and a weekday range, in a zone with daylight saving.
// NOLINTNEXTLINE(readability-identifier-naming)
void BM_NextCronFire_ListsAndSteps_NewYork(benchmark::State& state) {
  next_cron_fire_in(state, "America/New_York", "0,30 */2 * * 1-5");
}
BENCHMARK(BM_NextCronFire_ListsAndSteps_NewYork);

// A monthly report: the jump crosses whole months per call.
// NOLINTNEXTLINE(readability-identifier-naming)
void BM_NextCronFire_Monthly_London(benchmark::State& state) {
  next_cron_fire_in(state, "Europe/London", "15 6 1 * *");
}
BENCHMARK(BM_NextCronFire_Monthly_London);

}  // namespace

BENCHMARK_MAIN();
