#include "config/base/run_vocabulary.h"

#include <array>
#include <utility>

namespace orch {
namespace {

constexpr std::array<std::pair<RunStatus, const char*>, 12> kStatusNames{{
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
    {RunStatus::kUpstreamFailed, "upstream_failed"},
    {RunStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<Trigger, const char*>, 5> kTriggerNames{{
    {Trigger::kSchedule, "schedule"},
    {Trigger::kCatchup, "catchup"},
    {Trigger::kManual, "manual"},
    {Trigger::kRetry, "retry"},
    {Trigger::kBackfill, "backfill"},
}};

template <class Enum, std::size_t N>
constexpr std::array<Enum, N> values_of(const std::array<std::pair<Enum, const char*>, N>& names) {
  std::array<Enum, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    out[i] = names[i].first;
  }
  return out;
}

constexpr std::array<RunStatus, kStatusNames.size()> kStatuses = values_of(kStatusNames);
constexpr std::array<Trigger, kTriggerNames.size()> kTriggers = values_of(kTriggerNames);

template <class Enum, std::size_t N>
const char* name_of(const std::array<std::pair<Enum, const char*>, N>& names, Enum wanted) {
  for (const auto& [value, name] : names) {
    if (value == wanted) {
      return name;
    }
  }
  return "unknown";
}

template <class Enum, std::size_t N>
Result<Enum> parse_name(const std::array<std::pair<Enum, const char*>, N>& names,
                        std::string_view what, std::string_view text) {
  std::string allowed;
  for (const auto& [value, name] : names) {
    if (text == name) {
      return value;
    }
    allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  }
  return invalid_argument(std::string(what) + " '" + std::string(text) +
                          "' is not allowed: use one of " + allowed);
}

}  // namespace

const char* to_string(RunStatus status) {
  return name_of(kStatusNames, status);
}

Result<RunStatus> parse_run_status(std::string_view text) {
  return parse_name(kStatusNames, "status", text);
}

std::span<const RunStatus> all_run_statuses() {
  return kStatuses;
}

bool is_failure(RunStatus status) {
  return status == RunStatus::kFailed || status == RunStatus::kTimedOut ||
         status == RunStatus::kInterrupted || status == RunStatus::kAbandoned ||
         status == RunStatus::kMissedInputs;
}

const char* to_string(Trigger trigger) {
  return name_of(kTriggerNames, trigger);
}

Result<Trigger> parse_trigger(std::string_view text) {
  return parse_name(kTriggerNames, "trigger", text);
}

std::span<const Trigger> all_triggers() {
  return kTriggers;
}

}  // namespace orch
