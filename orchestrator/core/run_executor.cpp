#include "orchestrator/core/run_executor.h"

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <utility>

#include "config/base/input_pattern.h"
#include "config/base/log.h"
#include "orchestrator/core/failure_streak.h"
#include "orchestrator/core/heartbeat.h"
#include "orchestrator/core/run_metrics.h"
#include "orchestrator/schedule/slot_resumption.h"
#include "pipeline/input_discovery.h"
#include "pipeline/purchase_date.h"
#include "pipeline/run_outputs.h"
#include "pipeline/run_sweep.h"

namespace orch {
namespace {

// How far back the streak a recovery ends is counted; a longer one is told as "at least" this.
constexpr int kRecoveryDepth = 100;

// pipeline.condition's exit code for "skip this run"; and how much of its first line is kept.
constexpr int kConditionSkips = 100;
constexpr std::size_t kMaxConditionReason = 200;

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

// The pipeline's required-input patterns with their run-date fields filled in.
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

// The end of `run` as it stands until the pipeline completes.
RunFinish failed_end(const RunRecord& run) {
  RunFinish done;
  done.run_id = run.run_id;
  done.status = RunStatus::kFailed;
  done.started_at = run.started_at;
  return done;
}

}  // namespace

RunExecutor::RunExecutor(const config::Config& config, RunStore& runs,
                         pipeline::ProcessLauncher& launcher, notify::Notifier& notifier,
                         const Clock& clock, std::string instance)
    : config_(config),
      runs_(runs),
      launcher_(launcher),
      notifier_(notifier),
      clock_(clock),
      instance_(std::move(instance)),
      tree_(config.paths.input_dir, config.paths.output_dir),
      pending_ends_(config.paths.output_dir / ".pending_run_ends") {
  bool warned = false;
  for (const config::NamedPipeline& named : config.pipelines) {
    Pipeline p{&named, std::nullopt};
    const config::Config view = config::with_pipeline(config, named);
    // Fails closed: an isolation that is required but unavailable fails each run with the
    // reason.
    auto isolation = pipeline::settle_isolation(view);
    if (!isolation || isolation->kind == config::Isolation::kLandlock) {
      p.sandbox.emplace(view);
    } else if (named.settings.isolation == config::Isolation::kLandlock && !warned) {
      warned = true;
      log::warn("isolation_unavailable",
                {{"reason", isolation->reason},
                 {"effect",
                  "pipelines run without a sandbox: each can read and write whatever "
                  "this service can"}});
    }
    pipelines_.push_back(std::move(p));
  }
}

const RunExecutor::Pipeline* RunExecutor::pipeline_named(const std::string& name) const {
  for (const Pipeline& p : pipelines_) {
    if (p.named->name == name) {
      return &p;
    }
  }
  return nullptr;
}

Result<RunOutcome> RunExecutor::record_missed(const RunTarget& target, const Slot& slot,
                                              int slots) {
  const Pipeline* named = pipeline_named(target.pipeline);
  if (named == nullptr) {
    return not_found("pipeline " + target.pipeline + " is not configured");
  }
  ClaimRequest request;
  request.team = target.team;
  request.pipeline = target.pipeline;
  request.triggered_by = Trigger::kSchedule;
  request.slot_key = slot.key();
  request.scheduled_for = slot.at;
  request.schedule_note = slot.schedule_note;
  request.run_date = format_date(slot.run_date);
  request.purchase_date =
      format_date(pipeline::purchase_date(slot.run_date, named->named->settings.purchase_weekday));
  request.instance = instance_;
  request.now = clock_.now();
  std::string reason = "not started within the grace window of " +
                       std::to_string(config_.scheduler.misfire_grace.count()) + " s";
  if (slots > 1) {
    reason += " (" + std::to_string(slots) + " slots missed, coalesced into this one)";
  }
  auto recorded = runs_.record_missed(request, reason);
  if (!recorded) {
    return recorded.error();
  }
  RunOutcome outcome;
  outcome.missed = true;
  outcome.claim = recorded->has_value() ? ClaimOutcome::kClaimed : ClaimOutcome::kAlreadyRecorded;
  if (recorded->has_value()) {
    outcome.record = **recorded;
    tell(notify::EventKind::kRunMissed, outcome.record, target);
  }
  return outcome;
}

Result<RunOutcome> RunExecutor::execute(const RunRequest& request, pipeline::StopSignal& stop) {
  if (request.waiting_run) {
    return start_waiting(request, stop);
  }
  // No misfire check here: a slot handed over within its grace runs however long it waits for a
  // worker (slot_resumption.h).
  SysTime now = clock_.now();
  const RunTarget& target = request.target;
  const Pipeline* named = pipeline_named(target.pipeline);
  if (named == nullptr) {
    return not_found("pipeline " + target.pipeline + " is not configured (the configuration has " +
                     config_.pipeline_names() + ")");
  }
  Date run_date = request.slot ? request.slot->run_date
                               : request.run_date.value_or(local_date(now, *target.zone));
  Date purchase = request.purchase_date.value_or(
      pipeline::purchase_date(run_date, named->named->settings.purchase_weekday));

  ClaimRequest claim_request;
  claim_request.team = target.team;
  claim_request.pipeline = target.pipeline;
  claim_request.triggered_by = request.trigger;
  claim_request.attempt = request.attempt;
  if (request.slot) {
    claim_request.slot_key = request.slot->key();
    claim_request.scheduled_for = request.slot->at;
    claim_request.schedule_note = request.slot->schedule_note;
  }
  claim_request.run_date = format_date(run_date);
  claim_request.purchase_date = format_date(purchase);
  claim_request.instance = instance_;
  claim_request.now = now;
  claim_request.buffer_if_busy = target.buffer_one;
  // A scheduled run whose inputs or upstreams are not ready yet waits for them, as a row and
  // nothing more; one whose upstream ended without completing is recorded so at once.
  const std::chrono::seconds wait = waiting_window(target);
  if (request.slot && wait.count() > 0) {
    auto readiness = check_ready(target, run_date);
    // A folder that cannot be read, or leads outside the tree, fails the run as it always did.
    if (readiness && !readiness->ready()) {
      claim_request.start_as =
          readiness->blocked.empty() ? RunStatus::kWaiting : RunStatus::kUpstreamFailed;
      claim_request.reason = readiness->describe();
    }
  }
  auto claim = runs_.claim(claim_request);
  if (claim && claim->outcome == ClaimOutcome::kTeamBusy && claim->record.run_id.empty() &&
      abandon_if_holder_died(claim->busy_run_id)) {
    claim_request.now = clock_.now();
    claim = runs_.claim(claim_request);
  }
  if (!claim) {
    return claim.error();
  }
  RunOutcome outcome;
  outcome.claim = claim->outcome;
  outcome.record = claim->record;
  outcome.busy_run_id = claim->busy_run_id;
  if (request.on_claim) {
    request.on_claim(outcome);
  }
  if (claim->outcome == ClaimOutcome::kTeamBusy && !claim->record.run_id.empty()) {
    tell(notify::EventKind::kRunSkipped, claim->record, target);
  }
  if (claim->outcome != ClaimOutcome::kClaimed) {
    return outcome;
  }
  if (claim->record.status == RunStatus::kUpstreamFailed) {
    tell(notify::EventKind::kRunUpstreamFailed, claim->record, target);
    return outcome;
  }
  if (claim->record.status == RunStatus::kWaiting) {
    outcome.waiting = true;
    // Buffered behind a run still going (buffer-one): it may start within the misfire grace.
    const bool buffered = claim_request.start_as == RunStatus::kRunning;
    outcome.wait_until =
        request.slot->at + (buffered ? std::chrono::seconds(config_.scheduler.misfire_grace)
                                     : std::chrono::seconds(wait));
    log::info("run_waiting", {{"run_id", claim->record.run_id},
                              {"team", describe_team(target.team)},
                              {"pipeline", target.pipeline},
                              {"until", format_utc(outcome.wait_until)},
                              {"reason", claim->record.error}});
    return outcome;
  }
  run_claimed(claim->record, request, stop, outcome);
  return outcome;
}

void RunExecutor::run_claimed(const RunRecord& run, const RunRequest& request,
                              pipeline::StopSignal& stop, RunOutcome& outcome) {
  {
    std::lock_guard lock(mutex_);
    active_.insert(run.run_id);
    stops_[run.run_id] = &stop;
  }
  tell(notify::EventKind::kRunStarted, run, request.target);
  RunFinish done = run_pipeline(run, request.target, request.force, stop);
  if (auto asked = stop.requested(); asked && asked->cause == pipeline::StopCause::kCancel &&
                                     done.status != RunStatus::kCompleted) {
    // Stopped because an operator asked: recorded as that, not as an interruption to rerun. A
    // child that left the process group (setsid) still carries the run's id.
    done.status = RunStatus::kCancelled;
    if (done.error.rfind(asked->why, 0) != 0) {
      done.error = asked->why;
    }
    const char* ids[] = {run.run_id.c_str()};
    pipeline::sweep_run_processes(ids, 1);
  }
  finish(run, request.target, done, request, outcome);
}

bool RunExecutor::cancel(const std::string& run_id, const std::string& why,
                         std::chrono::milliseconds term_grace) {
  std::lock_guard lock(mutex_);
  auto it = stops_.find(run_id);
  if (it == stops_.end()) {
    return false;
  }
  if (auto asked = it->second->requested(); asked && asked->cause == pipeline::StopCause::kCancel) {
    return false;  // asked before: it is being stopped
  }
  pipeline::StopRequest request;
  request.term_grace = term_grace;
  request.why = why;
  request.cause = pipeline::StopCause::kCancel;
  it->second->request_stop(request);
  return true;
}

Result<RunOutcome> RunExecutor::start_waiting(const RunRequest& request,
                                              pipeline::StopSignal& stop) {
  RunRecord run = *request.waiting_run;
  SysTime now = clock_.now();
  auto started = runs_.start_waiting(run.run_id, instance_, now);
  if (!started) {
    return started.error();
  }
  RunOutcome outcome;
  outcome.record = run;
  if (*started == WaitingStart::kBusy) {
    outcome.claim = ClaimOutcome::kTeamBusy;
    outcome.waiting = true;
    return outcome;
  }
  if (*started == WaitingStart::kGone) {
    outcome.claim = ClaimOutcome::kAlreadyRecorded;
    return outcome;
  }
  run.status = RunStatus::kRunning;
  run.started_at = now;
  run.heartbeat_at = now;
  run.error.clear();
  outcome.record = run;
  run_claimed(run, request, stop, outcome);
  return outcome;
}

Result<pipeline::Readiness> RunExecutor::check_ready(const RunTarget& target, Date run_date) const {
  const Pipeline* named = pipeline_named(target.pipeline);
  if (named == nullptr) {
    return not_found("pipeline " + target.pipeline + " is not configured");
  }
  pipeline::Readiness readiness;
  if (Status upstreams = check_upstreams(target, run_date, readiness); !upstreams) {
    return upstreams.error();
  }
  if (wait_for_inputs(target).count() == 0 || !readiness.blocked.empty()) {
    return readiness;  // without a wait for inputs, missing inputs fail the run at its start
  }
  const config::PipelineConfig& settings = named->named->settings;
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
  auto inputs = pipeline::check_inputs_ready(request);
  if (!inputs) {
    return inputs.error();
  }
  inputs->missing.insert(inputs->missing.end(), readiness.missing.begin(), readiness.missing.end());
  return inputs;
}

std::optional<std::filesystem::path> RunExecutor::input_folder(const RunTarget& target) const {
  if (wait_for_inputs(target).count() == 0) {
    return std::nullopt;
  }
  auto folders = tree_.prepare(target.team, target.pipeline);
  if (!folders) {
    return std::nullopt;
  }
  return folders->input_dir;
}

std::optional<std::string> RunExecutor::unchanged_since(
    const RunTarget& target, const std::vector<pipeline::InputFile>& inputs) const {
  RunFilter filter;
  filter.team_key = team_key(target.team);
  filter.pipeline = target.pipeline;
  filter.status = RunStatus::kCompleted;
  filter.limit = 1;
  auto last = runs_.list(filter);
  if (!last || last->empty()) {
    return std::nullopt;  // nothing to compare with (or the history cannot be read): it runs
  }
  const RunRecord& previous = last->front();
  if (!pipeline::same_inputs(inputs, previous.inputs)) {
    return std::nullopt;
  }
  return previous.run_id;
}

std::optional<std::pair<RunStatus, std::string>> RunExecutor::run_condition(
    const pipeline::ProcessSpec& pipeline_spec, const std::vector<std::string>& condition,
    const pipeline::RunFolders& folders, const RunTarget& target, const Pipeline& pipeline,
    pipeline::StopSignal& stop) {
  pipeline::ProcessSpec spec = pipeline_spec;
  spec.argv = condition;
  spec.log_file = spec.working_dir / "condition.log";
  if (pipeline.sandbox) {
    spec.sandbox = pipeline.sandbox->for_run(spec, folders, target.team);
  }
  pipeline::ProcessOutcome result = launcher_.run(spec, stop);
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
    return std::pair{RunStatus::kSkipped,
                     "condition: " + (reason.empty() ? std::string("skip") : reason)};
  }
  RunStatus status = result.kind == Kind::kTimedOut  ? RunStatus::kTimedOut
                     : result.kind == Kind::kStopped ? RunStatus::kInterrupted
                                                     : RunStatus::kFailed;
  std::string why = result.kind == Kind::kExited
                        ? "exited with code " + std::to_string(result.exit_code)
                        : result.error;
  return std::pair{status, "condition " + why + " (" + spec.log_file.string() + ")"};
}

Status RunExecutor::check_upstreams(const RunTarget& target, Date run_date,
                                    pipeline::Readiness& readiness) const {
  const std::string day = format_date(run_date);
  for (const Upstream& upstream : target.upstreams) {
    const std::string named =
        (upstream.team ? describe_team(upstream.team) : "the general run") +
        (upstream.pipeline == kDefaultPipeline ? std::string()
                                               : "'s " + upstream.pipeline + " pipeline");
    auto latest = runs_.latest_of_date(RunOwner{team_key(upstream.team), upstream.pipeline}, day);
    if (!latest) {
      return latest.error();
    }
    const std::string pending = named + "'s run of " + day;
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
    const Pipeline* pipeline = pipeline_named(upstream.pipeline);
    const config::RetryConfig policy =
        pipeline != nullptr ? pipeline->named->settings.retry : config::RetryConfig{};
    if (resume_slot(run, policy, config_.scheduler.misfire_grace, *config_.scheduler.zone,
                    clock_.now())) {
      readiness.missing.push_back(pending + " (" + to_string(run.status) + ", to be tried again)");
      continue;
    }
    readiness.blocked =
        named + "'s run of " + day + " ended " + to_string(run.status) + " (" + run.run_id + ")";
    return {};
  }
  return {};
}

std::string RunExecutor::upstream_output_dirs(const RunTarget& target) const {
  std::string out;
  for (const Upstream& upstream : target.upstreams) {
    out += (out.empty() ? "" : ":") +
           tree_.folders(upstream.team, upstream.pipeline).output_dir.string();
  }
  return out;
}

Result<RunOutcome> RunExecutor::give_up_waiting(const RunTarget& target, const RunRecord& run,
                                                RunStatus status, const std::string& why) {
  SysTime now = clock_.now();
  if (Status ended = runs_.end_waiting(run.run_id, instance_, status, why, now); !ended) {
    return ended.error();
  }
  RunOutcome outcome;
  outcome.record = run;
  outcome.record.status = status;
  outcome.record.error = why;
  outcome.record.completed_at = now;
  tell(status == RunStatus::kUpstreamFailed ? notify::EventKind::kRunUpstreamFailed
       : status == RunStatus::kMissed       ? notify::EventKind::kRunMissed
                                            : notify::EventKind::kRunMissedInputs,
       outcome.record, target);
  if (outcome.record.team) {
    tell_streak(outcome.record, target);
  }
  return outcome;
}

std::chrono::seconds RunExecutor::wait_for_inputs(const RunTarget& target) const {
  if (target.wait_for_inputs) {
    return *target.wait_for_inputs;
  }
  const Pipeline* named = pipeline_named(target.pipeline);
  return named == nullptr ? std::chrono::seconds(0) : named->named->settings.wait_for_inputs;
}

std::chrono::seconds RunExecutor::waiting_window(const RunTarget& target) const {
  const std::chrono::seconds inputs = wait_for_inputs(target);
  if (inputs.count() > 0 || target.upstreams.empty()) {
    return inputs;
  }
  return std::chrono::hours(24);
}

bool RunExecutor::abandon_if_holder_died(const std::string& run_id) {
  auto holder = runs_.find(run_id);
  if (!holder || !holder->has_value() || (*holder)->status != RunStatus::kRunning ||
      !is_dead_local_instance((*holder)->instance)) {
    return false;
  }
  // Its process is gone; whatever it started must be too before this team runs again.
  const char* ids[] = {run_id.c_str()};
  pipeline::sweep_run_processes(ids, 1);
  RunFinish end;
  end.run_id = run_id;
  end.status = RunStatus::kAbandoned;
  end.error = "its process (" + (*holder)->instance + ") is no longer running";
  end.completed_at = clock_.now();
  if (!runs_.finish(end)) {
    return false;  // someone else ended it meanwhile: the claim will tell
  }
  log::warn("run_abandoned", {{"run_id", run_id},
                              {"team", describe_team((*holder)->team)},
                              {"pipeline", (*holder)->pipeline},
                              {"reason", end.error}});
  RunRecord abandoned = **holder;
  abandoned.status = RunStatus::kAbandoned;
  abandoned.error = end.error;
  abandoned.completed_at = end.completed_at;
  RunTarget target;
  target.team = abandoned.team;
  target.pipeline = abandoned.pipeline;
  tell(notify::EventKind::kRunAbandoned, abandoned, target);
  return true;
}

RunFinish RunExecutor::run_pipeline(const RunRecord& run, const RunTarget& target, bool force,
                                    pipeline::StopSignal& stop) {
  const Pipeline* named = pipeline_named(target.pipeline);
  auto folders = named != nullptr ? tree_.prepare(target.team, target.pipeline)
                                  : Result<pipeline::RunFolders>(not_found(
                                        "pipeline " + target.pipeline + " is not configured"));
  if (!folders) {
    RunFinish done = failed_end(run);
    done.error = folders.error().message;
    done.completed_at = clock_.now();
    return done;
  }
  RunFinish done = run_in_folders(*folders, run, target, *named, force, stop);
  if (done.status != RunStatus::kCompleted) {
    if (Status made = pipeline::ensure_output_folders(*folders); !made) {
      log::warn("output_folders_not_created",
                {{"run_id", run.run_id}, {"reason", made.error().message}});
    }
  }
  return done;
}

RunFinish RunExecutor::run_in_folders(const pipeline::RunFolders& folders, const RunRecord& run,
                                      const RunTarget& target, const Pipeline& pipeline, bool force,
                                      pipeline::StopSignal& stop) {
  const config::PipelineConfig& settings = pipeline.named->settings;
  RunFinish done = failed_end(run);
  auto fail = [&](const std::string& error) {
    done.error = error;
    done.completed_at = clock_.now();
    return done;
  };
  std::filesystem::path run_dir = folders.runs_dir / run.run_id;
  std::error_code ec;
  std::filesystem::create_directory(run_dir, ec);  // its parent was just prepared
  if (ec) {
    return fail("cannot create the run folder " + run_dir.string() + ": " + ec.message());
  }
  // Discovery snapshots the inputs into the run folder, and its time counts against the timeout.
  const auto discovery_started = std::chrono::steady_clock::now();
  auto run_date = parse_date(run.run_date);
  pipeline::DiscoveryRequest discovery;
  discovery.folder = folders.input_dir;
  discovery.tree_root = folders.input_root;
  discovery.run_date = run_date ? *run_date : Date{};
  auto required = required_inputs(settings, discovery.run_date);
  if (!required) {
    return fail(required.error().message);
  }
  discovery.required = std::move(*required);
  discovery.snapshot_dir = run_dir / "inputs";
  discovery.owner = target.team ? pipeline::InputOwner::kTeam : pipeline::InputOwner::kGeneral;
  discovery.hash = settings.hash_inputs ? pipeline::HashInputs::kYes : pipeline::HashInputs::kNo;
  discovery.max_inputs = static_cast<std::size_t>(settings.max_inputs);
  discovery.limits = {discovery_started + settings.timeout,
                      [&stop] { return stop.requested().has_value(); }};
  auto inputs = pipeline::discover_inputs(discovery);
  if (!inputs) {
    const ErrorCode code = inputs.error().code;
    done.status = code == ErrorCode::kDeadlineExceeded ? RunStatus::kTimedOut
                  : code == ErrorCode::kAborted        ? RunStatus::kInterrupted
                                                       : RunStatus::kFailed;
    return fail(inputs.error().message);
  }
  done.inputs = pipeline::manifest_json(*inputs);
  if (settings.skip_unchanged && !force) {
    if (auto since = unchanged_since(target, *inputs)) {
      done.status = RunStatus::kSkipped;
      return fail("inputs unchanged since " + *since);
    }
  }

  auto manifest = run_dir / "inputs.json";
  if (auto written = write_run_file(manifest, done.inputs); !written) {
    return fail(written.error().message);
  }
  auto result_file = run_dir / "result.json";
  // Created empty: the sandbox lets a pipeline write this file, but make nothing in the run folder.
  if (auto written = write_run_file(result_file, ""); !written) {
    return fail(written.error().message);
  }
  // The run writes into folders of its own; the owner's outputs switch to them only once it
  // completes, so readers never see half-written outputs and a failure leaves the last good ones.
  const pipeline::RunOutputDirs outputs = pipeline::run_output_dirs(run_dir);
  const std::filesystem::path tmp_dir = run_dir / "tmp";  // the pipeline's TMPDIR
  for (const auto& dir : {outputs.output_dir, outputs.output_share_dir, tmp_dir}) {
    std::filesystem::create_directory(dir, ec);
    if (ec) {
      return fail("cannot create the run folder " + dir.string() + ": " + ec.message());
    }
  }

  pipeline::ProcessSpec spec;
  spec.argv = settings.command;
  spec.env = settings.env;
  inherit(spec.env, "PATH", "/usr/local/bin:/usr/bin:/bin");
  inherit(spec.env, "HOME", nullptr);
  inherit(spec.env, "LANG", "C.UTF-8");
  inherit(spec.env, "TZ", nullptr);
  spec.env["RUN_ID"] = run.run_id;
  spec.env["SALES_TEAM_ID"] = target.team ? std::to_string(target.team->value) : "";
  spec.env["PIPELINE_NAME"] = target.pipeline;
  if (!target.upstreams.empty()) {
    spec.env["UPSTREAM_OUTPUT_DIRS"] = upstream_output_dirs(target);
  }
  spec.env["RUN_DATE"] = run.run_date;
  spec.env["PURCHASE_DATE"] = run.purchase_date;
  spec.env["INPUT_DIR"] = discovery.snapshot_dir.string();
  spec.env["OUTPUT_DIR"] = outputs.output_dir.string();
  spec.env["OUTPUT_SHARE_DIR"] = outputs.output_share_dir.string();
  spec.env["INPUT_MANIFEST"] = manifest.string();
  spec.env["RESULT_FILE"] = result_file.string();
  spec.env["TMPDIR"] = tmp_dir.string();
  spec.working_dir = run_dir;
  if (pipeline.sandbox) {
    spec.sandbox = pipeline.sandbox->for_run(spec, folders, target.team);
  }
  spec.log_file = run_dir / "pipeline.log";
  spec.log_limit_bytes = settings.log_max_bytes;
  spec.timeout = std::max<std::chrono::milliseconds>(
      std::chrono::duration_cast<std::chrono::milliseconds>(discovery_started + settings.timeout -
                                                            std::chrono::steady_clock::now()),
      std::chrono::milliseconds(1));
  done.log_path = spec.log_file.string();
  if (!settings.condition.empty()) {
    if (auto stopped = run_condition(spec, settings.condition, folders, target, pipeline, stop)) {
      done.status = stopped->first;
      return fail(stopped->second);
    }
  }

  pipeline::ProcessOutcome result = launcher_.run(spec, stop);
  done.completed_at = clock_.now();
  using Kind = pipeline::ProcessOutcome::Kind;
  switch (result.kind) {
    case Kind::kExited:
      done.exit_code = result.exit_code;
      done.status = result.exit_code == 0 ? RunStatus::kCompleted : RunStatus::kFailed;
      break;
    case Kind::kTimedOut:
      done.status = RunStatus::kTimedOut;
      break;
    case Kind::kStopped:
      done.status = RunStatus::kInterrupted;
      break;
    case Kind::kSignaled:
    case Kind::kFailedToStart:
      done.status = RunStatus::kFailed;
      break;
  }
  done.error = result.kind == Kind::kExited && result.exit_code == 0 ? "" : result.error;

  std::ifstream in(result_file);
  if (in && in.peek() != std::ifstream::traits_type::eof()) {  // empty: no metrics written
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (auto metrics = parse_run_metrics(text)) {
      done.metrics = std::move(metrics->json);
      done.total_loans = metrics->total_loans;
      done.exceptions_count = metrics->exceptions_count;
    } else {
      std::string warning = "RESULT_FILE " + result_file.string() + " " + metrics.error().message;
      log::warn("pipeline_result_ignored", {{"run_id", run.run_id}, {"reason", warning}});
      done.error += (done.error.empty() ? "" : "; ") + warning;
    }
  }
  if (done.status == RunStatus::kCompleted) {
    if (Status published = pipeline::publish_outputs(folders, run_dir); !published) {
      // Readers still see the previous outputs: the run did not deliver.
      done.status = RunStatus::kFailed;
      done.error = "outputs not published: " + published.error().message;
    }
  }
  if (Status pruned =
          pipeline::prune_run_folders(folders, static_cast<std::size_t>(config_.paths.keep_runs));
      !pruned) {
    log::warn("run_folders_not_pruned",
              {{"run_id", run.run_id}, {"reason", pruned.error().message}});
  }
  return done;
}

void RunExecutor::finish(const RunRecord& run, const RunTarget& target, const RunFinish& done,
                         const RunRequest& request, RunOutcome& outcome) {
  // The run happened: its end must be recorded, also when the database cannot take it right now
  // (down, locked, its disk full, its file read-only): it is kept and recorded later. Only an
  // end the database refuses for good (the run is no longer running: another service abandoned
  // it meanwhile) is given up, and logged.
  Status recorded = runs_.finish(done);
  const bool keep = !recorded && recorded.error().code != ErrorCode::kFailedPrecondition;
  {
    std::lock_guard lock(mutex_);
    active_.erase(run.run_id);
    stops_.erase(run.run_id);
    if (keep) {
      deferred_.push_back(done);
    }
  }
  outcome.end_kept = keep;
  if (keep) {
    Status kept = pending_ends_.keep(done);
    log::warn("run_end_deferred", {{"run_id", run.run_id},
                                   {"status", to_string(done.status)},
                                   {"reason", recorded.error().message},
                                   {"effect", "recorded when the database takes it"},
                                   {"kept_in", kept ? pending_ends_.dir().string()
                                                    : "memory only: " + kept.error().message}});
  } else if (!recorded) {
    log::error("run_end_not_recorded", {{"run_id", run.run_id},
                                        {"status", to_string(done.status)},
                                        {"reason", recorded.error().message}});
  }
  RunRecord final_run = run;
  final_run.status = done.status;
  final_run.exit_code = done.exit_code;
  final_run.error = done.error;
  final_run.inputs = done.inputs;
  final_run.metrics = done.metrics;
  final_run.total_loans = done.total_loans;
  final_run.exceptions_count = done.exceptions_count;
  final_run.log_path = done.log_path;
  final_run.completed_at = done.completed_at;
  if (run.started_at) {
    final_run.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(done.completed_at - *run.started_at)
            .count();
  }
  outcome.record = final_run;
  // Scheduled runs recover by themselves; a manual run has its operator watching.
  std::string retry;
  const config::RetryConfig& policy = target.retry;
  const bool scheduled =
      request.slot && request.trigger != Trigger::kManual && request.trigger != Trigger::kBackfill;
  if (scheduled && done.status == RunStatus::kInterrupted && run.attempt < kMaxSlotAttempts) {
    // Stopped, not failed: a service that fenced itself off runs the slot again at once; one
    // that is stopping drops this and its next start reruns it (resume_slot()).
    outcome.retry = NextAttempt{run.attempt + 1, done.completed_at};
    retry = "attempt " + std::to_string(run.attempt + 1) +
            " as soon as a service runs (at once unless it is stopping)";
  } else if (scheduled && policy.max_attempts > 1 && done.status != RunStatus::kCompleted) {
    outcome.retry = next_attempt(policy, run.attempt, done.status, done.completed_at,
                                 request.slot->run_date, *target.zone, retry_jitter(run.run_id));
    if (outcome.retry) {
      retry = "attempt " + std::to_string(outcome.retry->attempt) + " at " +
              format_utc(outcome.retry->at);
    } else if (done.status != RunStatus::kFailed && done.status != RunStatus::kTimedOut) {
      retry = "none: a run that ends " + std::string(to_string(done.status)) + " is not retried";
    } else if (run.attempt >= policy.max_attempts) {
      retry = "none: attempt " + std::to_string(run.attempt) + " of " +
              std::to_string(policy.max_attempts) + " was the last";
    } else {
      retry = "none: the next attempt would start after the slot's day";
    }
  }
  tell(end_event(done.status), final_run, target, retry);
  if (recorded) {
    tell_streak(final_run, target);
  }
}

std::vector<std::string> RunExecutor::live_run_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids(active_.begin(), active_.end());
  for (const RunFinish& f : deferred_) {
    ids.push_back(f.run_id);
  }
  return ids;
}

std::size_t RunExecutor::record_deferred_ends() {
  std::vector<RunFinish> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting.swap(deferred_);
  }
  std::vector<RunFinish> still;
  for (RunFinish& f : waiting) {
    if (!still.empty()) {  // the database went away again: keep the rest for the next try
      still.push_back(std::move(f));
      continue;
    }
    Status recorded = runs_.finish(f);
    if (recorded) {
      log::info("run_end_recorded", {{"run_id", f.run_id},
                                     {"status", to_string(f.status)},
                                     {"completed_at", format_utc(f.completed_at)}});
    } else if (recorded.error().code != ErrorCode::kFailedPrecondition) {
      still.push_back(std::move(f));  // not taken yet (outage, full disk, ...): try again later
      continue;
    } else {
      // E.g. another service abandoned the run meanwhile (it could not hear this one): its
      // decision stands, and the log keeps what really happened.
      log::error("run_end_not_recorded", {{"run_id", f.run_id},
                                          {"status", to_string(f.status)},
                                          {"reason", recorded.error().message}});
    }
    pending_ends_.forget(f.run_id);
  }
  std::lock_guard lock(mutex_);
  deferred_.insert(deferred_.begin(), std::make_move_iterator(still.begin()),
                   std::make_move_iterator(still.end()));
  return deferred_.size();
}

std::size_t RunExecutor::adopt_pending_ends() {
  auto kept = pending_ends_.load();
  std::lock_guard lock(mutex_);
  for (RunFinish& end : kept) {
    bool known = active_.count(end.run_id) > 0;
    for (const RunFinish& d : deferred_) {
      known = known || d.run_id == end.run_id;
    }
    if (!known) {
      deferred_.push_back(std::move(end));
    }
  }
  return deferred_.size();
}

void RunExecutor::tell(notify::EventKind kind, const RunRecord& run, const RunTarget& target,
                       const std::string& retry) {
  notify::RunEvent e = run_event(kind, run, target);
  e.retry = retry;
  notifier_.notify(e);
}

void RunExecutor::tell_streak(const RunRecord& run, const RunTarget& target) {
  int threshold = config_.notify.alert_after_failures;
  if (threshold <= 0 || !run.team) {
    return;
  }
  // Counted from the database, not in memory: a streak spans days, restarts and replicas.
  // A look just deeper than the threshold decides whether to alert; only a recovery reads deeper,
  // to say how long the streak was (or "at least" that many).
  const RunOwner owner{team_key(run.team), run.pipeline};
  auto streak = failure_streak(runs_, owner, threshold + 1);
  if (streak && run.status == RunStatus::kCompleted && streak->failures_before_last >= threshold) {
    streak = failure_streak(runs_, owner, std::max(threshold + 1, kRecoveryDepth));
  }
  if (!streak) {
    log::warn("failure_streak_unknown",
              {{"team", describe_team(run.team)}, {"reason", streak.error().message}});
    return;
  }
  notify::RunEvent e = run_event(notify::EventKind::kTeamFailing, run, target);
  if (is_failure(run.status) && streak->failures == threshold) {
    e.consecutive_failures = streak->failures;
    notifier_.notify(e);
  } else if (run.status == RunStatus::kCompleted && streak->failures_before_last >= threshold) {
    e.kind = notify::EventKind::kTeamRecovered;
    e.consecutive_failures = streak->failures_before_last;
    notifier_.notify(e);
  }
}

notify::EventKind end_event(RunStatus status) {
  switch (status) {
    case RunStatus::kCompleted:
      return notify::EventKind::kRunCompleted;
    case RunStatus::kTimedOut:
      return notify::EventKind::kRunTimedOut;
    case RunStatus::kAbandoned:
      return notify::EventKind::kRunAbandoned;
    case RunStatus::kMissed:
      return notify::EventKind::kRunMissed;
    case RunStatus::kSkipped:
      return notify::EventKind::kRunSkipped;
    case RunStatus::kCancelled:
      return notify::EventKind::kRunCancelled;
    default:
      return notify::EventKind::kRunFailed;
  }
}

notify::RunEvent run_event(notify::EventKind kind, const RunRecord& run, const RunTarget& target) {
  notify::RunEvent e;
  e.kind = kind;
  e.attempt = run.attempt;
  e.run_id = run.run_id;
  e.team = run.team;
  e.pipeline = run.pipeline;
  e.team_name = target.name;
  e.status = to_string(run.status);
  e.triggered_by = to_string(run.triggered_by);
  e.scheduled_for = run.scheduled_for;
  e.started_at = run.started_at;
  e.completed_at = run.completed_at;
  e.duration_ms = run.duration_ms;
  e.run_date = run.run_date;
  e.purchase_date = run.purchase_date;
  e.total_loans = run.total_loans;
  e.exceptions_count = run.exceptions_count;
  e.exit_code = run.exit_code;
  e.error = run.error;
  e.log_path = run.log_path;
  e.instance = run.instance;
  e.team_email_to = target.email_to;
  e.team_slack_webhook = target.slack_webhook;
  return e;
}

}  // namespace orch
