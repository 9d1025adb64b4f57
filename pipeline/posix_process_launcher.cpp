// The real ProcessLauncher: checks what can be checked before a spawn (the command, the working
// folder, the log file), then runs the pipeline (process_run.h). A process guardian, started with
// the launcher, kills the runs' processes should this process die.
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "config/base/log.h"
#include "pipeline/bounded_log.h"
#include "pipeline/command_lookup.h"
#include "pipeline/launch_outcome.h"
#include "pipeline/process_guardian.h"
#include "pipeline/process_launcher.h"
#include "pipeline/process_run.h"

namespace orch::pipeline {
namespace {

class PosixProcessLauncher : public ProcessLauncher {
 public:
  PosixProcessLauncher() {
    auto guardian = ProcessGuardian::start();
    if (guardian) {
      guardian_ = std::move(*guardian);
    } else {
      // Pipelines still run; only a kill -9 of this process would now leave them running.
      log::error("process_guardian_not_started", {{"reason", guardian.error().message}});
    }
  }

  ProcessOutcome run(const ProcessSpec& spec, StopSignal& stop) override {
    if (stop.requested()) {
      return stopped_before_start();
    }
    try {
      auto exe = resolve_command(spec);
      if (!exe) {
        return failed_to_start(exe.error().message);
      }
      if (!spec.working_dir.empty() && !std::filesystem::is_directory(spec.working_dir)) {
        return failed_to_start("working folder " + spec.working_dir.string() + " does not exist");
      }
      BoundedLog log(spec.log_limit_bytes);
      if (auto opened = log.open(spec.log_file); !opened) {
        return failed_to_start(opened.error().message);
      }
      return run_process(spec, *exe, log, guardian_.get(), stop);
    } catch (const std::exception& e) {
      // The run has killed its group and reaped the leader by now.
      return failed_to_start(std::string("cannot run the pipeline: ") + e.what());
    } catch (...) {
      return failed_to_start("cannot run the pipeline: unknown error");
    }
  }

 private:
  std::unique_ptr<ProcessGuardian> guardian_;
};

}  // namespace

std::unique_ptr<ProcessLauncher> make_posix_process_launcher() {
  return std::make_unique<PosixProcessLauncher>();
}

}  // namespace orch::pipeline
