#include "orchestrator/core/run_readiness.h"

#include <utility>

#include "config/base/input_pattern.h"
#include "orchestrator/schedule/slot_resumption.h"

namespace orch {

Result<std::vector<std::string>> required_inputs(const config::PipelineConfig& settings,
                                                 Date run_date) {
  std::vector<std::string> out;
  for (const std::string& pattern : settings.required_inputs) {
    auto expanded = expand_run_date(pattern, run_date);
    if (!expanded) {
      return expanded.error();
    }
    out.push_back(std::move(*expanded));
  }
  return out;
}

Result<pipeline::Readiness> RunReadiness::check_ready(const RunTarget& target,
                                                      Date run_date) const {
  const PipelineSetup* named = pipelines_.find(target.pipeline);
  if (named == nullptr) {
    return not_found("pipeline " + target.pipeline + " is not configured");
  }
  auto upstreams = check_upstreams(target, run_date);
  if (!upstreams) {
    return upstreams.error();
  }
  if (wait_for_inputs(target).count() == 0 || !upstreams->blocked.empty()) {
    return upstreams;  // without a wait for inputs, missing inputs fail the run at its start
  }
  auto inputs = check_inputs(target, named->settings(), run_date);
  if (!inputs) {
    return inputs.error();
  }
  inputs->missing.insert(inputs->missing.end(), upstreams->missing.begin(),
                         upstreams->missing.end());
  return inputs;
}

Result<pipeline::Readiness> RunReadiness::check_inputs(const RunTarget& target,
                                                       const config::PipelineConfig& settings,
                                                       Date run_date) const {
  auto folders = tree_.prepare(target.team, target.pipeline);
  if (!folders) {
    return folders.error();
  }
  pipeline::ReadinessRequest request;
  request.folder = folders->input_dir;
  request.tree_root = folders->input_root;
  request.owner = target.team ? pipeline::InputOwner::kTeam : pipeline::InputOwner::kGeneral;
  request.run_date = run_date;
  auto required = required_inputs(settings, run_date);
  if (!required) {
    return required.error();
  }
  request.required = std::move(*required);
  request.ready_marker = settings.ready_marker;
  request.settle = settings.input_settle;
  // File times are the wall clock's, whatever clock schedules the runs.
  request.now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  request.max_inputs = static_cast<std::size_t>(settings.max_inputs);
  return pipeline::check_inputs_ready(request);
}

std::optional<std::filesystem::path> RunReadiness::input_folder(const RunTarget& target) const {
  if (wait_for_inputs(target).count() == 0) {
    return std::nullopt;
  }
  auto folders = tree_.prepare(target.team, target.pipeline);
  if (!folders) {
    return std::nullopt;
  }
  return folders->input_dir;
}

Result<pipeline::Readiness> RunReadiness::check_upstreams(const RunTarget& target,
                                                          Date run_date) const {
  pipeline::Readiness readiness;
  const std::string day = format_date(run_date);
  for (const Upstream& upstream : target.upstreams) {
    const std::string named =
        (upstream.team ? describe_team(upstream.team) : "the general run") +
        (upstream.pipeline == kDefaultPipeline ? std::string()
                                               : "'s " + upstream.pipeline + " pipeline");
    auto latest = runs_.latest_of_date(RunOwner{upstream.team, upstream.pipeline}, day);
    if (!latest) {
      return latest.error();
    }
    std::string pending = named;
    pending += "'s run of ";
    pending += day;
    if (!latest->has_value()) {
      readiness.missing.push_back(pending);
      continue;
    }
    const RunRecord& run = **latest;
    if (run.status == RunStatus::kCompleted) {
      continue;
    }
    if (run.status == RunStatus::kRunning || run.status == RunStatus::kWaiting) {
      readiness.missing.push_back(pending + " (" + to_string(run.status) + ")");
      continue;
    }
    // Ended without completing: for good, unless a retry or rerun of its slot is still coming.
    const PipelineSetup* pipeline = pipelines_.find(upstream.pipeline);
    const config::RetryConfig policy =
        pipeline != nullptr ? pipeline->settings().retry : config::RetryConfig{};
    if (resume_slot(run, policy, config_.scheduler.misfire_grace, *config_.scheduler.zone,
                    clock_.now())) {
      readiness.missing.push_back(pending + " (" + to_string(run.status) + ", to be tried again)");
      continue;
    }
    readiness.blocked = pending;
    readiness.blocked += " ended ";
    readiness.blocked += to_string(run.status);
    readiness.blocked += " (" + run.run_id.str() + ")";
    return readiness;
  }
  return readiness;
}

std::string RunReadiness::upstream_output_dirs(const RunTarget& target) const {
  std::string out;
  for (const Upstream& upstream : target.upstreams) {
    out += (out.empty() ? "" : ":") +
           tree_.folders(upstream.team, upstream.pipeline).output_dir.string();
  }
  return out;
}

std::chrono::seconds RunReadiness::wait_for_inputs(const RunTarget& target) const {
  if (target.wait_for_inputs) {
    return *target.wait_for_inputs;
  }
  const PipelineSetup* named = pipelines_.find(target.pipeline);
  return named == nullptr ? std::chrono::seconds(0) : named->settings().wait_for_inputs;
}

std::chrono::seconds RunReadiness::waiting_window(const RunTarget& target) const {
  const std::chrono::seconds inputs = wait_for_inputs(target);
  if (inputs.count() > 0 || target.upstreams.empty()) {
    return inputs;
  }
  return std::chrono::hours(24);
}

}  // namespace orch
