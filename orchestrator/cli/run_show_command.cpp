// `runs show RUN_ID` and `logs RUN_ID`: one run, as the API's GET /api/v1/runs/{run_id} and
// /log show it.

#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "config/base/terminal_text.h"
#include "orchestrator/api/log_tail.h"
#include "orchestrator/api/run_json.h"
#include "orchestrator/cli/commands.h"

namespace orch::cli {
namespace {

constexpr std::int64_t kMaxTailLines = 100000;

Result<RunRecord> find_run(Database& db, const std::string& run_id, const char* command) {
  if (!is_run_id(run_id)) {
    return invalid_argument(std::string(command) + ": '" + run_id +
                            "' is not a run id (run_ and 16 hex digits, as `runs` shows)");
  }
  auto found = db.runs().find(RunId(run_id));
  if (!found) {
    return found.error();
  }
  if (!*found) {
    return not_found(std::string(command) + ": no run " + run_id + " (see `orchestrator runs`)");
  }
  return std::move(**found);
}

std::string scalar(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// The inputs a line each: name, size and digest.
void print_inputs(const nlohmann::json& inputs, std::ostream& out) {
  out << "inputs: " << inputs.size() << "\n";
  for (const auto& input : inputs) {
    std::string line;
    for (const char* field : {"name", "size", "sha256"}) {
      if (input.is_object() && input.contains(field)) {
        line += (line.empty() ? "" : "  ") + scalar(input[field]);
      }
    }
    out << "  " << escape_controls(line.empty() ? input.dump() : line) << "\n";
  }
}

// "key: value" per field that has one; inputs and notifications a line each, metrics as JSON.
void print_fields(const nlohmann::json& run, std::ostream& out) {
  for (const auto& [key, value] : run.items()) {
    if (value.is_null() || key == "notifications" || key == "inputs") {
      continue;
    }
    out << key << ": " << escape_controls(scalar(value)) << "\n";
  }
  if (run.contains("inputs") && run["inputs"].is_array()) {
    print_inputs(run["inputs"], out);
  }
  const auto& sent = run["notifications"];
  out << "notifications: " << sent.size() << "\n";
  for (const auto& n : sent) {
    std::string line = scalar(n["event"]) + "  " + scalar(n["channel"]) + "  " +
                       scalar(n["status"]) + "  " + scalar(n["target"]);
    if (!n["last_error"].is_null()) {
      line += "  (" + scalar(n["last_error"]) + ")";
    }
    out << "  " << escape_controls(line) << "\n";
  }
}

// `runs show RUN_ID`: the row, its inputs, metrics and notifications.
struct RunShowOptions {
  std::string run_id;
  Format format = Format::kTable;
};

// `logs RUN_ID [--tail N]`: the run's pipeline log.
struct LogsOptions {
  std::string run_id;
  std::optional<std::int64_t> tail;
};

int runs_show(const config::Config& config, const RunShowOptions& options) {
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto run = find_run(**db, options.run_id, "runs show");
  if (!run) {
    return fail(run.error());
  }
  NotificationFilter filter;
  filter.run_id = run->run_id;
  auto sent = (*db)->notifications().list(filter);
  if (!sent) {
    return fail(sent.error());
  }
  std::string text = api::run_json(*run, api::RunDetail::kFull, &*sent);
  if (options.format == Format::kJson) {
    std::cout << text << "\n";
    return kExitOk;
  }
  print_fields(nlohmann::json::parse(text), std::cout);
  return kExitOk;
}

int logs(const config::Config& config, const LogsOptions& options) {
  if (options.tail && (*options.tail < 1 || *options.tail > kMaxTailLines)) {
    return fail(invalid_argument("--tail " + std::to_string(*options.tail) +
                                 ": use a whole number of lines from 1 to " +
                                 std::to_string(kMaxTailLines)));
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto run = find_run(**db, options.run_id, "logs");
  if (!run) {
    return fail(run.error());
  }
  auto text = api::run_log_text(*run, config.paths.output_dir, options.tail);
  if (!text) {
    return fail(text.error());
  }
  std::cout << *text;
  return kExitOk;
}

}  // namespace

void add_runs_show_command(Command& runs) {
  auto options = std::make_shared<RunShowOptions>();
  Command show_cmd = runs.subcommand("show", "One run: its row, inputs, metrics and notifications");
  show_cmd.option("run_id", options->run_id, "The run's id").required();
  show_cmd.format(options->format, Csv::kNotOffered);
  show_cmd.runs([options](const Invocation& in) { return runs_show(in.config, *options); });
}

void add_logs_command(Command& app) {
  auto options = std::make_shared<LogsOptions>();
  Command logs_cmd = app.subcommand("logs", "A run's pipeline log");
  logs_cmd.option("run_id", options->run_id, "The run's id").required();
  logs_cmd.option("--tail", options->tail, "Only its last N lines");
  logs_cmd.runs([options](const Invocation& in) { return logs(in.config, *options); });
}

}  // namespace orch::cli
