#include "orchestrator/core/run_result.h"

#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include "config/base/log.h"
#include "orchestrator/core/run_metrics.h"

namespace orch {
namespace {

// The run's status and exit code from how its pipeline's process ended.
RunFinish with_process_end(RunFinish end, const pipeline::ProcessOutcome& result) {
  using Kind = pipeline::ProcessOutcome::Kind;
  switch (result.kind) {
    case Kind::kExited:
      end.exit_code = result.exit_code;
      end.status = result.exit_code == 0 ? RunStatus::kCompleted : RunStatus::kFailed;
      break;
    case Kind::kTimedOut:
      end.status = RunStatus::kTimedOut;
      break;
    case Kind::kStopped:
      end.status = RunStatus::kInterrupted;
      break;
    case Kind::kSignaled:
    case Kind::kFailedToStart:
      end.status = RunStatus::kFailed;
      break;
  }
  end.error = result.kind == Kind::kExited && result.exit_code == 0 ? "" : result.error;
  return end;
}

// The metrics of the pipeline's RESULT_FILE, when it wrote one.
RunFinish with_metrics(RunFinish end, const std::filesystem::path& result_file) {
  std::ifstream in(result_file);
  if (!in || in.peek() == std::ifstream::traits_type::eof()) {  // empty: no metrics written
    return end;
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (auto metrics = parse_run_metrics(text)) {
    end.metrics = std::move(metrics->json);
    end.total_loans = metrics->total_loans;
    end.exceptions_count = metrics->exceptions_count;
  } else {
    std::string warning = "RESULT_FILE " + result_file.string() + " " + metrics.error().message;
    log::warn("pipeline_result_ignored", {{"run_id", end.run_id}, {"reason", warning}});
    end.error += (end.error.empty() ? "" : "; ") + warning;
  }
  return end;
}

}  // namespace

EndedRun read_result(LaunchedRun launched) {
  EndedRun ended{std::move(launched.end), std::move(launched.files), launched.process.has_value()};
  if (!launched.process || !ended.files) {
    return ended;
  }
  ended.end = with_process_end(std::move(ended.end), *launched.process);
  ended.end = with_metrics(std::move(ended.end), ended.files->result_file);
  return ended;
}

}  // namespace orch
