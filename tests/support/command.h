#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace orch::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it had to be killed at the deadline
  std::string out;
  std::string err;
};

struct CommandOptions {
  std::filesystem::path working_dir;       // empty: the current folder
  std::map<std::string, std::string> env;  // added to (and overriding) the inherited one
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // scaled, see scaled()
};

// Runs `argv` to completion (killed at the timeout) and captures its stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// Runs the built `orchestrator` binary with `args`.
CommandResult run_orchestrator(const std::vector<std::string>& args,
                               const CommandOptions& options = {});

// A process left running in the background (e.g. `orchestrator serve`), its stdout and stderr
// going to files. Killed (SIGKILL) when destroyed unless it was waited for.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const CommandOptions& options,
                    const std::filesystem::path& output_file);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  int pid() const;
  void send_signal(int signal);
  // Waits for the exit; returns the exit code, or -1 when it did not exit within `timeout`
  // (scaled).
  int wait(std::chrono::milliseconds timeout);
  bool running();
  // What it printed so far (stdout and stderr, interleaved).
  std::string output() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The test process's environment variable `name`, "" when unset (e.g. a test service's port).
std::string env_or_empty(const char* name);

// `deadline` times ORCH_TEST_TIME_SCALE (a number, default 1): scripts/test sets it for the run on
// the sanitized build, whose binaries are 2-3 times slower. wait_until, run_command and
// BackgroundProcess::wait scale their deadlines with it; those only bound a wait for something
// that should happen, and the unsanitized run keeps them as written. Measured durations that a
// test asserts on (EXPECT_LT(took, ...)) are promises and are never scaled.
std::chrono::milliseconds scaled(std::chrono::milliseconds deadline);

// Polls `condition` every 50 ms until it holds or `timeout` (scaled) passes; returns whether it
// held.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(50));

// The lines of `text` that hold `needle`.
std::vector<std::string> lines_containing(const std::string& text, const std::string& needle);

}  // namespace orch::testing
