#include "orchestrator/store/records.h"

#include <algorithm>
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

std::string to_string(const Upstream& upstream) {
  std::string out = upstream.team ? std::to_string(upstream.team->value) : "general";
  if (upstream.pipeline != kDefaultPipeline) {
    out += ":" + upstream.pipeline;
  }
  return out;
}

Result<Upstream> parse_upstream(std::string_view text) {
  auto refuse = [&] {
    return invalid_argument("'" + std::string(text) +
                            "' is not an upstream: use general or a team id, optionally "
                            "followed by :PIPELINE (e.g. general, 3, 3:month_end)");
  };
  Upstream upstream;
  std::string_view owner = text;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    owner = text.substr(0, colon);
    upstream.pipeline = std::string(text.substr(colon + 1));
    if (!is_pipeline_name(upstream.pipeline)) {
      return refuse();
    }
  }
  if (owner != "general") {
    auto id = parse_team_id(owner);
    if (!id) {
      return refuse();
    }
    upstream.team = *id;
  }
  return upstream;
}

Result<std::vector<Upstream>> parse_upstreams(std::string_view text) {
  std::vector<Upstream> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      auto upstream = parse_upstream(item);
      if (!upstream) {
        return upstream.error();
      }
      if (std::find(out.begin(), out.end(), *upstream) == out.end()) {
        out.push_back(std::move(*upstream));
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace orch
