// Next fire time: the cost of the pure slot computations the scheduler runs for every team at
// start-up, at each wake and at every reschedule. Target: under 2 microseconds per call.
#include <array>
#include <chrono>
#include <cstdlib>

#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "config/base/time.h"
#include "orchestrator/schedule/cron_expression.h"
#include "orchestrator/schedule/cron_next_fire.h"
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

struct DailyCase {
  const char* name;
  const char* zone;
  const char* run_time;
};

struct CronCase {
  const char* name;
  const char* zone;
  const char* expression;
};

// Registered by name rather than through BENCHMARK(): the names are what the reports (and
// bench/next_fire_jsonl.py) print, and stay as they were.
void register_benchmarks() {
  static constexpr std::array<DailyCase, 3> kDaily = {{
      // A typical daily slot in a zone with daylight saving.
      {"BM_NextDailySlot_EuropeLondon", "Europe/London", "02:00"},
      // A run time inside the skipped hour on spring-forward days (runs at the first instant
      // after).
      {"BM_NextDailySlot_NewYorkSkippedHour", "America/New_York", "02:30"},
      // No daylight saving at all: the floor the zone lookups are measured against.
      {"BM_NextDailySlot_Utc", "UTC", "02:00"},
  }};
  static constexpr std::array<CronCase, 2> kCron = {{
      // A typical expression with a list, steps and a weekday range, in a zone with daylight
      // saving.
      {"BM_NextCronFire_ListsAndSteps_NewYork", "America/New_York", "0,30 */2 * * 1-5"},
      // A monthly report: the jump crosses whole months per call.
      {"BM_NextCronFire_Monthly_London", "Europe/London", "15 6 1 * *"},
  }};
  for (const DailyCase& c : kDaily) {
    benchmark::RegisterBenchmark(c.name, next_daily_slot_in, c.zone, c.run_time);
  }
  for (const CronCase& c : kCron) {
    benchmark::RegisterBenchmark(c.name, next_cron_fire_in, c.zone, c.expression);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
