// The real ProcessLauncher: posix_spawn, with the output pipe, the exit (a pidfd) and the timers
// driven by an Asio io_context of the calling thread. The asynchronous pattern is
// shared/STACK.md §3's (count exit and end-of-file before finishing); why posix_spawn rather
// than Boost.Process's fork is said at class Run.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/base/log.h"
#include "config/base/result.h"
#include "pipeline/bounded_log.h"
#include "pipeline/command_lookup.h"
#include "pipeline/landlock.h"
#include "pipeline/owned_fd.h"
#include "pipeline/process_guardian.h"
#include "pipeline/process_launcher.h"
#include "pipeline/run_sweep.h"

namespace orch::pipeline {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Kind = ProcessOutcome::Kind;

constexpr std::size_t kReadChunkBytes = 64 * 1024;

// Once the leader has exited and its group is killed, output that stays open is held by a process
// that left the group (setsid, a daemon). We cannot find it, so we stop reading after this long
// rather than hang the run.
constexpr milliseconds kDrainLimit{std::chrono::seconds(2)};

// How often the exit of the leader is polled where the kernel has no pidfd (before Linux 5.3).
constexpr milliseconds kExitPollInterval{5};

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

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// "300 ms" reads badly next to whole seconds, so print "0.3 s", "5 s", "1.25 s".
std::string describe_seconds(milliseconds duration) {
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
  static constexpr std::pair<int, const char*> kNames[] = {
      {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
      {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
      {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
      {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
      {SIGXFSZ, "SIGXFSZ"}, {SIGSYS, "SIGSYS"}};
  for (const auto& [number, name] : kNames) {
    if (number == signal) {
      return name;
    }
  }
  return "signal " + std::to_string(signal);
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
      env_.push_back(key + "=" + value);
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

  char* const* argv() const { return argv_ptrs_.data(); }
  char* const* envp() const { return env_ptrs_.data(); }

 private:
  std::vector<std::string> argv_;
  std::vector<std::string> env_;
  std::vector<char*> argv_ptrs_;
  std::vector<char*> env_ptrs_;
};

// posix_spawn's attributes and file actions for one child: stdin from /dev/null, stdout and
// stderr into `output_fd`, a process group of its own, the working folder, every signal at its
// default and none blocked, and no descriptor inherited beyond 0, 1 and 2 (a pipeline started by
// another thread at the same moment must not keep this run's output pipe open, or its
// end-of-file would never come), except a sandbox's ruleset as 3 for the helper.
class SpawnSetup {
 public:
  SpawnSetup(int output_fd, const std::filesystem::path& working_dir, int ruleset_fd) {
    constexpr int kRulesetFd = 3;  // where orchestrator-sandbox expects it
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

// The calling thread's io_context, kept from run to run: making one (an epoll set, an eventfd, a
// timerfd and Asio's services) and tearing it down again took a twentieth of the service's CPU in
// a storm of short runs. A run that could not settle its handlers marks it spoiled, and the next
// run gets a fresh one.
class ThreadIo {
 public:
  static asio::io_context& get() {
    ThreadIo& self = instance();
    if (self.spoiled_ || !self.io_) {
      self.io_.emplace();
      self.spoiled_ = false;
    }
    self.io_->restart();
    return *self.io_;
  }
  static void spoil() { instance().spoiled_ = true; }

 private:
  static ThreadIo& instance() {
    thread_local ThreadIo self;
    return self;
  }
  std::optional<asio::io_context> io_;
  bool spoiled_ = false;
};

// One pipeline run, from spawn to the last byte of output. Every handler runs on the thread that
// called execute(), and none outlives the run.
//
// The child is started with posix_spawn, which glibc implements with clone(CLONE_VM|CLONE_VFORK):
// nothing of the service's memory is copied. fork() from a multi-threaded service copies its page
// tables and then takes a copy-on-write fault, and a TLB shootdown on every core, for each page
// either side touches before the exec; with Boost.Process's fork that made our launcher run
// /bin/true at less than half the rate of a bare posix_spawn loop (bench/launcher_loop).
// The leader's exit is watched through a pidfd, so no SIGCHLD handler is shared between threads.
class Run {
 public:
  Run(const ProcessSpec& spec, BoundedLog& log, ProcessGuardian* guardian)
      : spec_(spec), log_(log), guardian_(guardian) {
    if (auto marker = spec.env.find(kRunMarkerName); marker != spec.env.end()) {
      run_id_ = marker->second;
    }
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // The group must not survive this call, even if something throws before the leader exits.
  // The io_context does: every handler of this run, cancelled ones too, runs before it is gone.
  ~Run() {
    if (pid_ > 0 && !leader_exited_) {
      ::killpg(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      leader_exited_ = true;
    }
    if (guardian_ != nullptr) {
      guardian_->release(run_id_);
    }
    boost::system::error_code ignored;
    output_.close(ignored);
    exit_watch_.close(ignored);
    exit_poll_.cancel();
    deadline_.cancel();
    kill_timer_.cancel();
    drain_stop_.cancel();
    drain_timer_.cancel();
    try {
      io_.restart();
      io_.poll();
    } catch (...) {
      ThreadIo::spoil();
    }
  }

  ProcessOutcome execute(const std::filesystem::path& exe, StopSignal& stop) {
    // asio::post is thread-safe; the task runs here, inside io_.run().
    const int subscription = stop.subscribe([this](const StopRequest& request) {
      asio::post(io_, [this, request] { on_stop(request); });
    });
    struct Unsubscribe {
      StopSignal& stop;
      int id;
      ~Unsubscribe() { stop.unsubscribe(id); }
    } unsubscribe{stop, subscription};
    if (stop.requested()) {  // between run()'s check and the subscription
      return stopped_before_start();
    }

    std::array<int, 2> fds{-1, -1};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
      return failed_to_start(std::string("cannot create the output pipe: ") + std::strerror(errno));
    }
    OwnedFd read_end(fds[0]);
    OwnedFd write_end(fds[1]);
    OwnedFd ruleset;
    if (spec_.sandbox) {
      auto made = sandbox_ruleset(*spec_.sandbox);
      if (!made) {
        return failed_to_start(made.error().message);
      }
      ruleset = std::move(*made);
    }
    SpawnSetup setup(write_end.get(), spec_.working_dir, ruleset.get());
    if (!setup.ok()) {
      return failed_to_start("cannot prepare the spawn of pipeline command " +
                             in_quotes(spec_.argv.front()));
    }
    SpawnArguments arguments(spec_, exe);
    // Told before the spawn: should this process die between the spawn and watch(), the guardian
    // still finds the pipeline by its run's marker.
    if (guardian_ != nullptr) {
      guardian_->guard(run_id_);
    }
    const std::filesystem::path& program = spec_.sandbox ? spec_.sandbox->helper : exe;
    const int rc = ::posix_spawn(&pid_, program.c_str(), setup.actions(), setup.attr(),
                                 arguments.argv(), arguments.envp());
    if (rc != 0) {
      pid_ = -1;
      if (spec_.sandbox) {
        return failed_to_start("cannot start the sandbox helper " + in_quotes(program.string()) +
                               " for pipeline command " + in_quotes(spec_.argv.front()) + ": " +
                               std::strerror(rc));
      }
      return failed_to_start("cannot start pipeline command " + in_quotes(spec_.argv.front()) +
                             ": " + std::strerror(rc));
    }
    if (guardian_ != nullptr) {
      guardian_->watch(run_id_, pid_);
    }
    write_end.reset();  // only the child writes: its exit brings end-of-file
    output_.assign(read_end.release());
    watch_exit();
    read_output();
    deadline_.expires_after(spec_.timeout);
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && !leader_exited_) {
        begin_kill(Kind::kTimedOut, spec_.kill_grace);
      }
    });
    io_.run();
    return outcome();
  }

 private:
  // A pidfd becomes readable when the process exits (Linux 5.3). Without one, poll for it.
  void watch_exit() {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      exit_watch_.assign(pidfd);
      exit_watch_.async_wait(asio::posix::descriptor_base::wait_read,
                             [this](const boost::system::error_code& ec) {
                               if (!ec) {
                                 reap();
                               }
                             });
      return;
    }
    poll_exit();
  }

  void poll_exit() {
    exit_poll_.expires_after(kExitPollInterval);
    exit_poll_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      if (!reap_if_exited(WNOHANG)) {
        poll_exit();
      }
    });
  }

  void reap() {
    if (!reap_if_exited(0)) {
      poll_exit();  // cannot happen after the pidfd said so; stay safe anyway
    }
  }

  // The leader is seen to exit without being reaped (WNOWAIT): while it is a zombie its pid, and
  // so its group's id, cannot be given to another process, so the group is killed before the
  // reap and never a stranger's group of the same number after it.
  bool reap_if_exited(int options) {
    siginfo_t info{};
    int seen = 0;
    do {
      seen = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | options);
    } while (seen < 0 && errno == EINTR);
    if (seen == 0 && info.si_pid == 0) {
      return false;  // WNOHANG, and still running
    }
    if (seen == 0) {
      ::killpg(pid_, SIGKILL);
    }
    int status = 0;
    pid_t got = 0;
    do {
      got = ::waitpid(pid_, &status, 0);
    } while (got < 0 && errno == EINTR);
    on_leader_exit(got < 0 ? std::string(std::strerror(errno)) : std::string(), status);
    return true;
  }

  void read_output() {
    output_.async_read_some(asio::buffer(buffer_),
                            [this](const boost::system::error_code& ec, std::size_t size) {
                              log_.append(buffer_.data(), size);
                              if (ec) {  // eof, or the pipe was closed by the drain limit
                                output_closed_ = true;
                                maybe_finish();
                                return;
                              }
                              read_output();
                            });
  }

  // The pipeline may still finish by itself for the request's drain; then its group is killed.
  // A more urgent request coming later shortens the wait.
  void on_stop(const StopRequest& request) {
    if (leader_exited_ || kill_reason_) {
      return;
    }
    stop_why_ = request.why;
    if (request.drain <= milliseconds::zero()) {
      drain_stop_.cancel();
      begin_kill(Kind::kStopped, request.term_grace);
      return;
    }
    drain_stop_.expires_after(request.drain);
    drain_stop_.async_wait([this, request](const boost::system::error_code& ec) {
      if (!ec && !leader_exited_) {
        begin_kill(Kind::kStopped, request.term_grace);
      }
    });
  }

  // SIGTERM to the whole group now, SIGKILL after the grace. The first reason wins.
  void begin_kill(Kind reason, milliseconds grace) {
    if (kill_reason_ || pid_ <= 0) {  // never killpg(-1): that would be every process we may signal
      return;
    }
    kill_reason_ = reason;
    ::killpg(pid_, SIGTERM);
    kill_timer_.expires_after(grace);
    kill_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        ::killpg(pid_, SIGKILL);
      }
    });
  }

  void on_leader_exit(const std::string& wait_error, int status) {
    leader_exited_ = true;
    wait_error_ = wait_error;
    native_status_ = status;
    // Background children, which would hold the output pipe open and outlive the run, were killed
    // with the group just before the reap (reap_if_exited).
    deadline_.cancel();
    kill_timer_.cancel();
    drain_stop_.cancel();
    exit_poll_.cancel();
    if (!output_closed_) {
      drain_timer_.expires_after(kDrainLimit);
      drain_timer_.async_wait([this](const boost::system::error_code& timer_ec) {
        if (!timer_ec && !output_closed_) {
          drain_abandoned_ = true;
          boost::system::error_code ignored;
          output_.close(ignored);
        }
      });
    }
    maybe_finish();
  }

  void maybe_finish() {
    if (leader_exited_ && output_closed_) {
      // Nothing else is pending then, so io_.run() returns.
      drain_timer_.cancel();
    }
  }

  ProcessOutcome outcome() {
    if (drain_abandoned_) {
      log_.note("[orchestrator] stopped reading output " + describe_seconds(kDrainLimit) +
                " after the pipeline exited: a process outside its group still holds it");
    }
    ProcessOutcome result;
    if (WIFEXITED(native_status_)) {
      result.exit_code = WEXITSTATUS(native_status_);
    }
    if (kill_reason_ == Kind::kTimedOut) {
      result.kind = Kind::kTimedOut;
      result.error =
          "timed out after " + describe_seconds(spec_.timeout) + "; process group killed";
    } else if (kill_reason_ == Kind::kStopped) {
      result.kind = Kind::kStopped;
      result.error =
          (stop_why_.empty() ? "stopped by shutdown" : stop_why_) + "; process group killed";
    } else if (!wait_error_.empty()) {
      result.kind = Kind::kExited;
      result.exit_code = -1;
      result.error = "cannot collect the pipeline's exit status: " + wait_error_;
    } else if (WIFSIGNALED(native_status_)) {
      result.kind = Kind::kSignaled;
      result.signal = WTERMSIG(native_status_);
      result.error = "pipeline killed by signal " + std::to_string(result.signal) + " (" +
                     signal_name(result.signal) + ")";
    } else {
      result.kind = Kind::kExited;
      if (result.exit_code != 0) {
        result.error = "pipeline exited with code " + std::to_string(result.exit_code);
      }
    }
    if (kill_reason_) {
      // Whoever reads the log alone should see why it ends where it does.
      log_.note("[orchestrator] " + result.error);
    }
    log_.finish();
    result.log_bytes = log_.written();
    result.log_truncated = log_.truncated();
    return result;
  }

  const ProcessSpec& spec_;
  BoundedLog& log_;
  ProcessGuardian* guardian_;  // may be null: no guardian could be started
  std::string run_id_;         // the value of the run's marker in its environment, if any
  std::string stop_why_;       // the reason of the stop under way
  asio::io_context& io_ = ThreadIo::get();
  asio::posix::stream_descriptor output_{io_};
  asio::posix::stream_descriptor exit_watch_{io_};
  asio::steady_timer exit_poll_{io_};
  asio::steady_timer deadline_{io_};
  asio::steady_timer kill_timer_{io_};
  asio::steady_timer drain_stop_{io_};  // a stop's drain: SIGTERM when it passes
  asio::steady_timer drain_timer_{io_};
  // Not zeroed: read_some fills what it reports, and zeroing 64 KiB was a run's biggest memset.
  std::array<char, kReadChunkBytes> buffer_;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  pid_t pid_ = -1;                            // the leader, and the id of its group
  bool leader_exited_ = false;
  bool output_closed_ = false;
  bool drain_abandoned_ = false;
  std::optional<Kind> kill_reason_;
  int native_status_ = 0;
  std::string wait_error_;
};

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
      Run run(spec, log, guardian_.get());
      return run.execute(*exe, stop);
    } catch (const std::exception& e) {
      // Run's destructor has killed the group and reaped the leader by now.
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
