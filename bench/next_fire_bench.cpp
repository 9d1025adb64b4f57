// Next fire time: the cost of the pure slot computations the scheduler runs for every team at
// start-up, at each wake and at every reschedule. Target: under 2 microseconds per call.
//
// The cron expression case (lists and steps, e.g. "0,30 */2 * * 1-5") belongs here too: add a
// BM_NextCronFire beside these once orchestrator/schedule/ has the cron parser and next_fire().
#include <chrono>
#include <cstdlib>

#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "config/base/time.h"
#include "orchestrator/schedule/daily_slot.h"

namespace {

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
  for (auto _ : state) {
    orch::DailySlot slot = orch::next_daily_slot(*time, zone, after);
    benchmark::DoNotOptimize(slot);
    after = slot.at + std::chrono::minutes(7);
    if (after > start + date::days(3 * 365)) {
      after = start;
    }
  }
}

// A typical daily slot in a zone with daylight saving.
void BM_NextDailySlot_EuropeLondon(benchmark::State& state) {
  next_daily_slot_in(state, "Europe/London", "02:00");
}
BENCHMARK(BM_NextDailySlot_EuropeLondon);

// A run time inside the skipped hour on spring-forward days (runs at the first instant after).
void BM_NextDailySlot_NewYorkSkippedHour(benchmark::State& state) {
  next_daily_slot_in(state, "America/New_York", "02:30");
}
BENCHMARK(BM_NextDailySlot_NewYorkSkippedHour);

// No daylight saving at all: the floor the zone lookups are measured against.
void BM_NextDailySlot_Utc(benchmark::State& state) {
  next_daily_slot_in(state, "UTC", "02:00");
}
BENCHMARK(BM_NextDailySlot_Utc);

}  // namespace

BENCHMARK_MAIN();
