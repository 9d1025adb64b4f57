#include "orchestrator/api/run_json.h"

#include <nlohmann/json.hpp>

namespace orch::api {
namespace {

using nlohmann::json;

json time_or_null(const std::optional<SysTime>& t) {
  return t ? json(format_utc(*t)) : json(nullptr);
}

template <class T>
json value_or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json text_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

// The JSON a run's row holds (inputs, metrics), parsed; as text if it is not JSON after all.
json embedded(const std::string& text) {
  if (text.empty()) {
    return nullptr;
  }
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

}  // namespace

std::string run_json(const RunRecord& run, RunDetail detail,
                     const std::vector<notify::DeliveryRecord>* notifications) {
  json out = {
      {"run_id", run.run_id.str()},
      {"team", run.team ? std::to_string(run.team->value) : "general"},
      {"sales_team_id", run.team ? json(run.team->value) : json(nullptr)},
      {"pipeline", run.pipeline},
      {"status", to_string(run.status)},
      {"triggered_by", to_string(run.triggered_by)},
      {"attempt", run.attempt},
      {"slot_key", value_or_null(run.slot_key)},
      {"run_date", format_date(run.run_date)},
      {"purchase_date", text_or_null(run.purchase_date)},
      {"scheduled_for", time_or_null(run.scheduled_for)},
      {"created_at", format_utc(run.created_at)},
      {"started_at", time_or_null(run.started_at)},
      {"completed_at", time_or_null(run.completed_at)},
      {"duration_ms", value_or_null(run.duration_ms)},
      {"total_loans", value_or_null(run.total_loans)},
      {"exceptions_count", value_or_null(run.exceptions_count)},
      {"exit_code", value_or_null(run.exit_code)},
      {"error", text_or_null(run.error)},
      {"instance", text_or_null(run.instance)},
      {"metrics", embedded(run.metrics)},
  };
  if (detail == RunDetail::kFull) {
    out["inputs"] = embedded(run.inputs);
    out["heartbeat_at"] = time_or_null(run.heartbeat_at);
    out["log_path"] = text_or_null(run.log_path);
  }
  if (notifications != nullptr) {
    json list = json::array();
    for (const auto& n : *notifications) {
      list.push_back({{"event", n.event},
                      {"channel", n.channel},
                      {"target", n.target},
                      {"status", notify::to_string(n.status)},
                      {"attempts", n.attempts},
                      {"last_error", text_or_null(n.last_error)},
                      {"created_at", format_utc(n.created_at)},
                      {"sent_at", time_or_null(n.sent_at)}});
    }
    out["notifications"] = std::move(list);
  }
  // Text from pipelines and the database may hold bytes that are not UTF-8: U+FFFD instead.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace orch::api
