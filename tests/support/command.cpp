#include "tests/support/command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/process.hpp>

#include "tests/support/temp_dir.h"

namespace orch::testing {
namespace bp = boost::process;

namespace {

bp::environment make_env(const CommandOptions& options) {
  bp::environment env = boost::this_process::environment();
  for (const auto& [key, value] : options.env) {
    env[key] = value;
  }
  return env;
}

boost::filesystem::path resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return program;
  }
  return bp::search_path(program);
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  TempDir dir;
  auto out_path = dir / "out";
  auto err_path = dir / "err";
  CommandResult result;
  {
    bp::child child(resolve(argv.at(0)),
                    bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::std_in < bp::null, bp::std_out > out_path.string(),
                    bp::std_err > err_path.string(), make_env(options),
                    bp::start_dir = (options.working_dir.empty()
                                         ? std::filesystem::current_path()
                                         : options.working_dir)
                                        .string());
    // Poll rather than child::wait_for, which is broken in Boost 1.74 (it can block forever).
    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    while (child.running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (child.running()) {
      child.terminate();
      result.exit_code = -1;
    } else {
      child.wait();
      result.exit_code = child.exit_code();
    }
  }
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

CommandResult run_orchestrator(const std::vector<std::string>& args,
                               const CommandOptions& options) {
  std::vector<std::string> argv{ORCH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, options);
}

struct BackgroundProcess::State {
  bp::child child;
  std::filesystem::path output_file;
  bool waited = false;
};

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const CommandOptions& options,
                                     const std::filesystem::path& output_file)
    : state_(std::make_unique<State>()) {
  state_->output_file = output_file;
  state_->child = bp::child(
      resolve(argv.at(0)), bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
      bp::std_in < bp::null, (bp::std_out & bp::std_err) > output_file.string(), make_env(options),
      bp::start_dir =
          (options.working_dir.empty() ? std::filesystem::current_path() : options.working_dir)
              .string());
}

BackgroundProcess::~BackgroundProcess() {
  if (!state_->waited && state_->child.valid()) {
    std::error_code ec;
    state_->child.terminate(ec);
  }
}

int BackgroundProcess::pid() const { return state_->child.id(); }

void BackgroundProcess::send_signal(int signal) { ::kill(state_->child.id(), signal); }

int BackgroundProcess::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (state_->child.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (state_->child.running()) {
    return -1;
  }
  state_->child.wait();
  state_->waited = true;
  return state_->child.exit_code();
}

bool BackgroundProcess::running() { return state_->child.running(); }

std::string BackgroundProcess::output() const { return read_file(state_->output_file); }

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): tests never setenv
  return value == nullptr ? "" : value;
}

}  // namespace orch::testing
