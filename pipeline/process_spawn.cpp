#include "pipeline/process_spawn.h"

#include <fcntl.h>
#include <spawn.h>

#include <csignal>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "config/base/owned_fd.h"
#include "pipeline/landlock.h"

namespace orch::pipeline {
namespace {

constexpr int kRulesetFd = 3;  // where orchestrator-sandbox expects it

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Everything posix_spawn needs for one pipeline, owned in one place: the exact argv (argv[0] as
// written, not the resolved path) and the exact environment, nothing inherited. A sandboxed run
// starts the helper with the resolved program and that argv after it.
class SpawnArguments {
 public:
  SpawnArguments(const ProcessSpec& spec, const std::filesystem::path& exe) : argv_(spec.argv) {
    if (spec.sandbox) {
      argv_.insert(argv_.begin(), {spec.sandbox->helper.string(), exe.string()});
    }
    for (const auto& [key, value] : spec.env) {
      std::string entry;
      entry.reserve(key.size() + 1 + value.size());
      entry.append(key).append(1, '=').append(value);
      env_.push_back(std::move(entry));
    }
    for (auto& arg : argv_) {
      argv_ptrs_.push_back(arg.data());
    }
    argv_ptrs_.push_back(nullptr);
    for (auto& entry : env_) {
      env_ptrs_.push_back(entry.data());
    }
    env_ptrs_.push_back(nullptr);
  }
  SpawnArguments(const SpawnArguments&) = delete;
  SpawnArguments& operator=(const SpawnArguments&) = delete;
  SpawnArguments(SpawnArguments&&) = delete;
  SpawnArguments& operator=(SpawnArguments&&) = delete;
  ~SpawnArguments() = default;

  char* const* argv() const { return argv_ptrs_.data(); }
  char* const* envp() const { return env_ptrs_.data(); }

 private:
  std::vector<std::string> argv_;
  std::vector<std::string> env_;
  std::vector<char*> argv_ptrs_;
  std::vector<char*> env_ptrs_;
};

// posix_spawn's attributes and file actions for one child. No descriptor is inherited beyond 0, 1
// and 2 (a pipeline started by another thread at the same moment must not keep this run's output
// pipe open, or its end-of-file would never come), except a sandbox's ruleset as 3 for the helper.
class SpawnSetup {
 public:
  SpawnSetup(int output_fd, const std::filesystem::path& working_dir, int ruleset_fd) {
    ::posix_spawn_file_actions_init(&actions_);
    ::posix_spawnattr_init(&attr_);
    ok_ = ::posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0) == 0 &&
          ::posix_spawn_file_actions_adddup2(&actions_, output_fd, 1) == 0 &&
          ::posix_spawn_file_actions_adddup2(&actions_, output_fd, 2) == 0 &&
          (working_dir.empty() ||
           ::posix_spawn_file_actions_addchdir_np(&actions_, working_dir.c_str()) == 0) &&
          (ruleset_fd < 0 ||
           ::posix_spawn_file_actions_adddup2(&actions_, ruleset_fd, kRulesetFd) == 0) &&
          ::posix_spawn_file_actions_addclosefrom_np(&actions_,
                                                     ruleset_fd < 0 ? 3 : kRulesetFd + 1) == 0;
    sigset_t none;
    sigset_t all;
    sigemptyset(&none);
    sigfillset(&all);
    ok_ = ok_ && ::posix_spawnattr_setpgroup(&attr_, 0) == 0 &&
          ::posix_spawnattr_setsigmask(&attr_, &none) == 0 &&
          ::posix_spawnattr_setsigdefault(&attr_, &all) == 0 &&
          ::posix_spawnattr_setflags(
              &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) == 0;
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  SpawnSetup(SpawnSetup&&) = delete;
  SpawnSetup& operator=(SpawnSetup&&) = delete;

  bool ok() const { return ok_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_{};
  posix_spawnattr_t attr_{};
  bool ok_ = false;
};

// The kernel's ruleset for `sandbox`, to be entered by the helper in the child.
Result<OwnedFd> sandbox_ruleset(const Sandbox& sandbox) {
  auto abi = landlock_abi();
  if (!abi) {
    return unavailable("cannot start the pipeline in its sandbox: " + abi.error().message);
  }
  return landlock_ruleset(sandbox, *abi);
}

std::string spawn_failure(const ProcessSpec& spec, const std::filesystem::path& program, int rc) {
  if (spec.sandbox) {
    return "cannot start the sandbox helper " + in_quotes(program.string()) +
           " for pipeline command " + in_quotes(spec.argv.front()) + ": " +
           std::generic_category().message(rc);
  }
  return "cannot start pipeline command " + in_quotes(spec.argv.front()) + ": " +
         std::generic_category().message(rc);
}

}  // namespace

Result<pid_t> spawn_leader(const ProcessSpec& spec, const std::filesystem::path& exe, int output_fd,
                           ProcessGuardian* guardian, const std::string& run_id) {
  OwnedFd ruleset;
  if (spec.sandbox) {
    auto made = sandbox_ruleset(*spec.sandbox);
    if (!made) {
      return unavailable(made.error().message);
    }
    ruleset = std::move(*made);
  }
  const SpawnSetup setup(output_fd, spec.working_dir, ruleset.get());
  if (!setup.ok()) {
    return unavailable("cannot prepare the spawn of pipeline command " +
                       in_quotes(spec.argv.front()));
  }
  const SpawnArguments arguments(spec, exe);
  if (guardian != nullptr) {
    guardian->guard(run_id);
  }
  const std::filesystem::path& program = spec.sandbox ? spec.sandbox->helper : exe;
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), setup.actions(), setup.attr(),
                               arguments.argv(), arguments.envp());
  if (rc != 0) {
    return unavailable(spawn_failure(spec, program, rc));
  }
  return pid;
}

}  // namespace orch::pipeline
