#include "pipeline/launch_outcome.h"

#include <sys/wait.h>

#include <array>
#include <csignal>
#include <utility>

namespace orch::pipeline {
namespace {

using Kind = ProcessOutcome::Kind;

}  // namespace

ProcessOutcome failed_to_start(std::string message) {
  ProcessOutcome outcome;
  outcome.kind = Kind::kFailedToStart;
  outcome.error = std::move(message);
  return outcome;
}

ProcessOutcome stopped_before_start() {
  ProcessOutcome outcome;
  outcome.kind = Kind::kStopped;
  outcome.error = "stopped by shutdown before the pipeline started";
  return outcome;
}

// "300 ms" reads badly next to whole seconds, so print "0.3 s", "5 s", "1.25 s".
std::string describe_seconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  std::string text = std::to_string(ms / 1000);
  if (const auto rest = ms % 1000; rest != 0) {
    std::string fraction = std::to_string(rest);
    fraction.insert(0, 3 - fraction.size(), '0');
    while (fraction.back() == '0') {
      fraction.pop_back();
    }
    text += "." + fraction;
  }
  return text + " s";
}

std::string signal_name(int signal) {
  static constexpr std::array<std::pair<int, const char*>, 18> kNames = {{
      {SIGHUP, "SIGHUP"},
      {SIGINT, "SIGINT"},
      {SIGQUIT, "SIGQUIT"},
      {SIGILL, "SIGILL"},
      {SIGTRAP, "SIGTRAP"},
      {SIGABRT, "SIGABRT"},
      {SIGBUS, "SIGBUS"},
      {SIGFPE, "SIGFPE"},
      {SIGKILL, "SIGKILL"},
      {SIGUSR1, "SIGUSR1"},
      {SIGSEGV, "SIGSEGV"},
      {SIGUSR2, "SIGUSR2"},
      {SIGPIPE, "SIGPIPE"},
      {SIGALRM, "SIGALRM"},
      {SIGTERM, "SIGTERM"},
      {SIGXCPU, "SIGXCPU"},
      {SIGXFSZ, "SIGXFSZ"},
      {SIGSYS, "SIGSYS"},
  }};
  for (const auto& [number, name] : kNames) {
    if (number == signal) {
      return name;
    }
  }
  return "signal " + std::to_string(signal);
}

ProcessOutcome ended_outcome(const RunEnd& end) {
  ProcessOutcome result;
  if (WIFEXITED(end.native_status)) {
    result.exit_code = WEXITSTATUS(end.native_status);
  }
  if (end.kill_reason == Kind::kTimedOut) {
    result.kind = Kind::kTimedOut;
    result.error = "timed out after " + describe_seconds(end.timeout) + "; process group killed";
  } else if (end.kill_reason == Kind::kStopped) {
    result.kind = Kind::kStopped;
    result.error =
        (end.stop_why.empty() ? "stopped by shutdown" : end.stop_why) + "; process group killed";
  } else if (!end.wait_error.empty()) {
    result.kind = Kind::kExited;
    result.exit_code.reset();
    result.error = "cannot collect the pipeline's exit status: " + end.wait_error;
  } else if (WIFSIGNALED(end.native_status)) {
    result.kind = Kind::kSignaled;
    result.signal = WTERMSIG(end.native_status);
    result.error = "pipeline killed by signal " + std::to_string(result.signal) + " (" +
                   signal_name(result.signal) + ")";
  } else {
    result.kind = Kind::kExited;
    if (!result.exit_code) {
      result.error = "pipeline ended with neither an exit code nor a signal";
    } else if (*result.exit_code != 0) {
      result.error = "pipeline exited with code " + std::to_string(*result.exit_code);
    }
  }
  return result;
}

}  // namespace orch::pipeline
