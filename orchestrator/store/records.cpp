#include "orchestrator/store/records.h"

#include <array>
#include <utility>

namespace orch {
namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 10> kStatusNames{{
    {RunStatus::kRunning, "running"},
    {RunStatus::kCompleted, "completed"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kTimedOut, "timed_out"},
    {RunStatus::kSkipped, "skipped"},
    {RunStatus::kMissed, "missed"},
    {RunStatus::kInterrupted, "interrupted"},
    {RunStatus::kAbandoned, "abandoned"},
    {RunStatus::kWaiting, "waiting"},
    {RunStatus::kMissedInputs, "missed_inputs"},
}};

constexpr std::array<std::pair<Trigger, const char*>, 5> kTriggerNames{{
    {Trigger::kSchedule, "schedule"},
    {Trigger::kCatchup, "catchup"},
    {Trigger::kManual, "manual"},
    {Trigger::kRetry, "retry"},
    {Trigger::kBackfill, "backfill"},
}};

template <class Enum, std::size_t N>
std::string allowed(const std::array<std::pair<Enum, const char*>, N>& names) {
  std::string out;
  for (const auto& [value, name] : names) {
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

}  // namespace

const char* to_string(RunStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) {
      return name;
    }
  }
  return "unknown";
}

Result<RunStatus> parse_run_status(std::string_view text) {
  for (const auto& [value, name] : kStatusNames) {
    if (text == name) {
      return value;
    }
  }
  return invalid_argument("status '" + std::string(text) + "' is not allowed: use one of " +
                          allowed(kStatusNames));
}

bool is_failure(RunStatus status) {
  return status == RunStatus::kFailed || status == RunStatus::kTimedOut ||
         status == RunStatus::kInterrupted || status == RunStatus::kAbandoned ||
         status == RunStatus::kMissedInputs;
}

const char* to_string(Trigger trigger) {
  for (const auto& [value, name] : kTriggerNames) {
    if (value == trigger) {
      return name;
    }
  }
  return "unknown";
}

Result<Trigger> parse_trigger(std::string_view text) {
  for (const auto& [value, name] : kTriggerNames) {
    if (text == name) {
      return value;
    }
  }
  return invalid_argument("trigger '" + std::string(text) + "' is not allowed: use one of " +
                          allowed(kTriggerNames));
}

}  // namespace orch
