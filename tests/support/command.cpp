#include "tests/support/command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace orch::testing {
namespace bp = boost::process;

namespace {

// The child's whole environment: the test's own with `options.env` added. Handed to the exec as
// is, because Boost 1.74's environment lookup (bp::environment::operator[]) compares a key with
// every entry for the key's length, reading past the end of shorter entries: AddressSanitizer
// reports it as a heap-buffer-overflow.
class ExactEnvironment : public bp::extend::handler {
 public:
  explicit ExactEnvironment(const CommandOptions& options) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      auto equals = text.find('=');
      if (equals != std::string_view::npos) {
        merged.emplace(text.substr(0, equals), text.substr(equals + 1));
      }
    }
    for (const auto& [key, value] : options.env) {
      merged[key] = value;
    }
    for (const auto& [key, value] : merged) {
      entries_.push_back(key + "=" + value);
    }
    for (auto& entry : entries_) {
      pointers_.push_back(entry.data());
    }
    pointers_.push_back(nullptr);
  }
  ExactEnvironment(const ExactEnvironment&) = delete;
  ExactEnvironment& operator=(const ExactEnvironment&) = delete;

  template <class Executor>
  void on_setup(Executor& exec) const {
    exec.env = const_cast<char**>(pointers_.data());  // execve takes char**, and does not write
  }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

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
    ExactEnvironment env(options);
    bp::child child(resolve(argv.at(0)),
                    bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
                    bp::std_in < bp::null, bp::std_out > out_path.string(),
                    bp::std_err > err_path.string(), env,
                    bp::start_dir = (options.working_dir.empty()
                                         ? std::filesystem::current_path()
                                         : options.working_dir)
                                        .string());
    // Poll rather than child::wait_for, which is broken in Boost 1.74 (it can block forever).
    auto deadline = std::chrono::steady_clock::now() + scaled(options.timeout);
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
  ExactEnvironment env(options);
  state_->child = bp::child(
      resolve(argv.at(0)), bp::args = std::vector<std::string>(argv.begin() + 1, argv.end()),
      bp::std_in < bp::null, (bp::std_out & bp::std_err) > output_file.string(), env,
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
  auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
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

std::chrono::milliseconds scaled(std::chrono::milliseconds deadline) {
  static const double factor = [] {
    std::string text = env_or_empty("ORCH_TEST_TIME_SCALE");
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(value >= 1.0 && value <= 100.0)) {
      if (!text.empty()) {
        ADD_FAILURE() << "ORCH_TEST_TIME_SCALE=" << text << ": a number from 1 to 100 is allowed";
      }
      return 1.0;
    }
    return value;
  }();
  return std::chrono::milliseconds(
      static_cast<std::chrono::milliseconds::rep>(static_cast<double>(deadline.count()) * factor));
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
  auto deadline = std::chrono::steady_clock::now() + scaled(timeout);
  while (true) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(every);
  }
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): tests never setenv
  return value == nullptr ? "" : value;
}

std::vector<std::string> lines_containing(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace orch::testing
