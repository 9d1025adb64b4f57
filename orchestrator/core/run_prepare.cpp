#include "orchestrator/core/run_prepare.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/input_discovery.h"
#include "pipeline/run_outputs.h"

namespace orch {
namespace {

// Writes a file of the run's own folder before its pipeline starts: nobody reads it sooner, so it
// needs no temporary name.
Status write_run_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    return unavailable("cannot write " + path.string());
  }
  return {};
}

// The variables a pipeline may inherit from the orchestrator; nothing else of its environment
// (which holds the database URL, SMTP password and API token) reaches the pipeline.
void inherit(std::map<std::string, std::string>& env, const char* name, const char* fallback) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): nobody calls setenv
  if (value != nullptr && *value != '\0') {
    env[name] = value;
  } else if (fallback != nullptr) {
    env[name] = fallback;
  }
}

// The run, ended before its pipeline started.
PreparedRun ended(PreparedRun prepared, RunStatus status, std::string error, const Clock& clock) {
  prepared.end.status = status;
  prepared.end.error = std::move(error);
  prepared.end.completed_at = clock.now();
  prepared.process.reset();
  prepared.condition.reset();
  return prepared;
}

// How a run ends whose inputs could not be snapshot.
RunStatus status_of_discovery(ErrorCode code) {
  return code == ErrorCode::kDeadlineExceeded ? RunStatus::kTimedOut
         : code == ErrorCode::kAborted        ? RunStatus::kInterrupted
                                              : RunStatus::kFailed;
}

// Snapshots the run's inputs into its folder; `deadline` is the run's timeout, which discovery
// counts against.
Result<std::vector<pipeline::InputFile>> snapshot_inputs(
    const PrepareInput& input, const RunFiles& files,
    std::chrono::steady_clock::time_point deadline) {
  const config::PipelineConfig& settings = input.pipeline->settings();
  pipeline::DiscoveryRequest discovery;
  discovery.folder = files.folders.input_dir;
  discovery.tree_root = files.folders.input_root;
  discovery.run_date = input.run.run_date;
  auto required = required_inputs(settings, discovery.run_date);
  if (!required) {
    return required.error();
  }
  discovery.required = std::move(*required);
  discovery.snapshot_dir = files.run_dir / "inputs";
  discovery.owner =
      input.target.team ? pipeline::InputOwner::kTeam : pipeline::InputOwner::kGeneral;
  discovery.hash = settings.hash_inputs ? pipeline::HashInputs::kYes : pipeline::HashInputs::kNo;
  discovery.max_inputs = static_cast<std::size_t>(settings.max_inputs);
  pipeline::StopSignal& stop = input.stop;
  discovery.limits = {deadline, [&stop] { return stop.requested().has_value(); }};
  return pipeline::discover_inputs(discovery);
}

// pipeline.skip_unchanged: the run id of the owner's last completed run when `inputs` are the
// same as its (names, sizes, hashes); else nothing.
std::optional<RunId> unchanged_since(const PrepareInput& input,
                                     const std::vector<pipeline::InputFile>& inputs) {
  RunFilter filter;
  filter.team = TeamFilter{input.target.team};
  filter.pipeline = input.target.pipeline;
  filter.status = RunStatus::kCompleted;
  filter.limit = 1;
  auto last = input.runs.list(filter);
  if (!last || last->empty()) {
    return std::nullopt;  // nothing to compare with (or the history cannot be read): it runs
  }
  const RunRecord& previous = last->front();
  if (!pipeline::same_inputs(inputs, previous.inputs)) {
    return std::nullopt;
  }
  return previous.run_id;
}

// The run's manifest and empty result file, and the folders its pipeline writes into.
Status make_run_files(const RunFiles& files, const std::string& manifest) {
  if (auto written = write_run_file(files.run_dir / "inputs.json", manifest); !written) {
    return written;
  }
  // Created empty: the sandbox lets a pipeline write this file, but make nothing in the run folder.
  if (auto written = write_run_file(files.result_file, ""); !written) {
    return written;
  }
  // The run writes into folders of its own; the owner's outputs switch to them only once it
  // completes, so readers never see half-written outputs and a failure leaves the last good ones.
  const pipeline::RunOutputDirs outputs = pipeline::run_output_dirs(files.run_dir);
  for (const auto& dir : {outputs.output_dir, outputs.output_share_dir, files.run_dir / "tmp"}) {
    std::error_code ec;
    std::filesystem::create_directory(dir, ec);
    if (ec) {
      return unavailable("cannot create the run folder " + dir.string() + ": " + ec.message());
    }
  }
  return {};
}

// The pipeline's environment: pipeline.env, a few inherited variables and the protocol's.
std::map<std::string, std::string> pipeline_env(const PrepareInput& input, const RunFiles& files) {
  const RunRecord& run = input.run;
  const RunTarget& target = input.target;
  const pipeline::RunOutputDirs outputs = pipeline::run_output_dirs(files.run_dir);
  std::map<std::string, std::string> env = input.pipeline->settings().env;
  inherit(env, "PATH", "/usr/local/bin:/usr/bin:/bin");
  inherit(env, "HOME", nullptr);
  inherit(env, "LANG", "C.UTF-8");
  inherit(env, "TZ", nullptr);
  env["RUN_ID"] = run.run_id.str();
  env["SALES_TEAM_ID"] = target.team ? std::to_string(target.team->value) : "";
  env["PIPELINE_NAME"] = target.pipeline;
  if (!target.upstreams.empty()) {
    env["UPSTREAM_OUTPUT_DIRS"] = input.readiness.upstream_output_dirs(target);
  }
  env["RUN_DATE"] = format_date(run.run_date);
  env["PURCHASE_DATE"] = run.purchase_date;
  env["INPUT_DIR"] = (files.run_dir / "inputs").string();
  env["OUTPUT_DIR"] = outputs.output_dir.string();
  env["OUTPUT_SHARE_DIR"] = outputs.output_share_dir.string();
  env["INPUT_MANIFEST"] = (files.run_dir / "inputs.json").string();
  env["RESULT_FILE"] = files.result_file.string();
  env["TMPDIR"] = (files.run_dir / "tmp").string();
  return env;
}

// The pipeline's process, and pipeline.condition's when it is set (the same environment, folder,
// sandbox and timeout, its own log).
PreparedRun with_processes(PreparedRun prepared, const PrepareInput& input,
                           std::chrono::steady_clock::time_point deadline) {
  const config::PipelineConfig& settings = input.pipeline->settings();
  const RunFiles& files = *prepared.files;
  pipeline::ProcessSpec spec;
  spec.argv = settings.command;
  spec.env = pipeline_env(input, files);
  spec.working_dir = files.run_dir;
  if (input.pipeline->sandbox) {
    spec.sandbox = input.pipeline->sandbox->for_run(spec, files.folders, input.target.team);
  }
  spec.log_file = files.run_dir / "pipeline.log";
  spec.log_limit_bytes = settings.log_max_bytes;
  spec.timeout =
      std::max<std::chrono::milliseconds>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              deadline - std::chrono::steady_clock::now()),
                                          std::chrono::milliseconds(1));
  prepared.end.log_path = spec.log_file.string();
  if (!settings.condition.empty()) {
    pipeline::ProcessSpec condition = spec;
    condition.argv = settings.condition;
    condition.log_file = spec.working_dir / "condition.log";
    if (input.pipeline->sandbox) {
      condition.sandbox =
          input.pipeline->sandbox->for_run(condition, files.folders, input.target.team);
    }
    prepared.condition = std::move(condition);
  }
  prepared.process = std::move(spec);
  return prepared;
}

}  // namespace

PreparedRun prepare_run(const PrepareInput& input) {
  PreparedRun prepared;
  prepared.end.run_id = input.run.run_id;
  prepared.end.status = RunStatus::kFailed;
  prepared.end.started_at = input.run.started_at;
  const RunStatus failed = RunStatus::kFailed;
  if (input.pipeline == nullptr) {
    return ended(std::move(prepared), failed,
                 "pipeline " + input.target.pipeline + " is not configured", input.clock);
  }
  auto folders = input.tree.prepare(input.target.team, input.target.pipeline);
  if (!folders) {
    return ended(std::move(prepared), failed, folders.error().message, input.clock);
  }
  const std::filesystem::path run_dir = folders->runs_dir / input.run.run_id.str();
  prepared.files = RunFiles{*folders, run_dir, run_dir / "result.json"};
  std::error_code ec;
  std::filesystem::create_directory(run_dir, ec);  // its parent was just prepared
  if (ec) {
    return ended(std::move(prepared), failed,
                 "cannot create the run folder " + run_dir.string() + ": " + ec.message(),
                 input.clock);
  }
  // Discovery snapshots the inputs into the run folder, and its time counts against the timeout.
  const auto deadline = std::chrono::steady_clock::now() + input.pipeline->settings().timeout;
  auto inputs = snapshot_inputs(input, *prepared.files, deadline);
  if (!inputs) {
    return ended(std::move(prepared), status_of_discovery(inputs.error().code),
                 inputs.error().message, input.clock);
  }
  prepared.end.inputs = pipeline::manifest_json(*inputs);
  if (input.pipeline->settings().skip_unchanged && input.force == Force::kNo) {
    if (auto since = unchanged_since(input, *inputs)) {
      return ended(std::move(prepared), RunStatus::kSkipped,
                   "inputs unchanged since " + since->str(), input.clock);
    }
  }
  if (Status made = make_run_files(*prepared.files, prepared.end.inputs); !made) {
    return ended(std::move(prepared), failed, made.error().message, input.clock);
  }
  return with_processes(std::move(prepared), input, deadline);
}

}  // namespace orch
