#include "orchestrator/core/run_launch.h"

#include <fstream>
#include <string>
#include <utility>

namespace orch {
namespace {

// pipeline.condition's exit code for "skip this run"; and how much of its first line is kept.
constexpr int kConditionSkips = 100;
constexpr std::size_t kMaxConditionReason = 200;

// How a run ends that its condition stopped.
struct ConditionStop {
  RunStatus status = RunStatus::kFailed;
  std::string why;
};

// Runs pipeline.condition: nothing when the pipeline is to run; else how the run ends and why
// (skipped at exit 100, else a failure).
std::optional<ConditionStop> run_condition(const pipeline::ProcessSpec& spec,
                                           const LaunchInput& input) {
  pipeline::ProcessOutcome result = input.launcher.run(spec, input.stop);
  using Kind = pipeline::ProcessOutcome::Kind;
  if (result.kind == Kind::kExited && result.exit_code == 0) {
    return std::nullopt;
  }
  if (result.kind == Kind::kExited && result.exit_code == kConditionSkips) {
    std::ifstream log(spec.log_file);
    std::string reason;
    std::getline(log, reason);
    if (reason.size() > kMaxConditionReason) {
      reason.resize(kMaxConditionReason);
    }
    return ConditionStop{RunStatus::kSkipped,
                         "condition: " + (reason.empty() ? std::string("skip") : reason)};
  }
  RunStatus status = result.kind == Kind::kTimedOut  ? RunStatus::kTimedOut
                     : result.kind == Kind::kStopped ? RunStatus::kInterrupted
                                                     : RunStatus::kFailed;
  std::string why = result.kind == Kind::kExited && result.exit_code
                        ? "exited with code " + std::to_string(*result.exit_code)
                        : result.error;
  return ConditionStop{status, "condition " + why + " (" + spec.log_file.string() + ")"};
}

}  // namespace

LaunchedRun launch_run(LaunchInput input) {
  LaunchedRun launched{std::move(input.prepared.end), std::move(input.prepared.files),
                       std::nullopt};
  if (!input.prepared.process) {
    return launched;
  }
  if (input.prepared.condition) {
    if (auto stopped = run_condition(*input.prepared.condition, input)) {
      launched.end.status = stopped->status;
      launched.end.error = std::move(stopped->why);
      launched.end.completed_at = input.clock.now();
      return launched;
    }
  }
  launched.process = input.launcher.run(*input.prepared.process, input.stop);
  launched.end.completed_at = input.clock.now();
  return launched;
}

}  // namespace orch
