#include "orchestrator/core/pending_ends.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "config/base/log.h"

namespace orch {
namespace {

nlohmann::json to_json(const RunFinish& f) {
  nlohmann::json j = {{"run_id", f.run_id.str()},
                      {"status", to_string(f.status)},
                      {"error", f.error},
                      {"inputs", f.inputs},
                      {"metrics", f.metrics},
                      {"log_path", f.log_path},
                      {"completed_at", format_utc(f.completed_at)}};
  j["exit_code"] = f.exit_code ? nlohmann::json(*f.exit_code) : nlohmann::json();
  j["total_loans"] = f.total_loans ? nlohmann::json(*f.total_loans) : nlohmann::json();
  j["exceptions_count"] =
      f.exceptions_count ? nlohmann::json(*f.exceptions_count) : nlohmann::json();
  if (f.started_at) {
    j["started_at"] = format_utc(*f.started_at);
  }
  return j;
}

Result<RunFinish> from_json(const nlohmann::json& j) {
  RunFinish f;
  f.run_id = RunId(j.at("run_id").get<std::string>());
  auto status = parse_run_status(j.at("status").get<std::string>());
  auto completed = parse_utc(j.at("completed_at").get<std::string>());
  if (!status || !completed) {
    return invalid_argument("bad status or completed_at");
  }
  f.status = *status;
  f.completed_at = *completed;
  f.error = j.value("error", "");
  f.inputs = j.value("inputs", "");
  f.metrics = j.value("metrics", "");
  f.log_path = j.value("log_path", "");
  if (j.contains("exit_code") && j["exit_code"].is_number_integer()) {
    f.exit_code = j["exit_code"].get<int>();
  }
  if (j.contains("total_loans") && j["total_loans"].is_number_integer()) {
    f.total_loans = j["total_loans"].get<std::int64_t>();
  }
  if (j.contains("exceptions_count") && j["exceptions_count"].is_number_integer()) {
    f.exceptions_count = j["exceptions_count"].get<std::int64_t>();
  }
  if (j.contains("started_at") && j["started_at"].is_string()) {
    if (auto started = parse_utc(j["started_at"].get<std::string>())) {
      f.started_at = *started;
    }
  }
  return f;
}

}  // namespace

Status PendingEnds::keep(const RunFinish& end) const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  auto path = dir_ / (end.run_id.str() + ".json");
  auto tmp = dir_ / (end.run_id.str() + ".json.tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    // An error or a path holding bytes that are not UTF-8 gets U+FFFD there: an exception
    // here would lose the run's end.
    out << to_json(end).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    out.flush();
    if (!out) {
      return unavailable("cannot write " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    return unavailable("cannot write " + path.string() + ": " + ec.message());
  }
  return {};
}

void PendingEnds::forget(const RunId& run_id) const {
  std::error_code ec;
  std::filesystem::remove(dir_ / (run_id.str() + ".json"), ec);
}

std::vector<RunFinish> PendingEnds::load() const {
  std::vector<RunFinish> ends;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    std::ifstream in(entry.path());
    auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    Result<RunFinish> end = invalid_argument("not a JSON object");
    if (j.is_object()) {
      try {
        end = from_json(j);
      } catch (const nlohmann::json::exception& e) {
        end = invalid_argument(e.what());
      }
    }
    if (!end) {
      log::error("pending_run_end_unreadable",
                 {{"file", entry.path().string()}, {"reason", end.error().message}});
      continue;
    }
    ends.push_back(std::move(*end));
  }
  return ends;
}

}  // namespace orch
