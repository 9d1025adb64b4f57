// The real ProcessLauncher: Boost.Process v1 driven by one io_context per run, on the calling
// thread. See shared/STACK.md §3 for the pattern and §6 for the traps it avoids.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include "config/base/result.h"
#include "pipeline/bounded_log.h"
#include "pipeline/command_lookup.h"
#include "pipeline/process_launcher.h"

namespace orch::pipeline {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process;
using std::chrono::milliseconds;
using Kind = ProcessOutcome::Kind;

constexpr std::size_t kReadChunkBytes = 64 * 1024;

// Once the leader has exited and its group is killed, output that stays open is held by a process
// that left the group (setsid, a daemon). We cannot find it, so we stop reading after this long
// rather than hang the run.
constexpr milliseconds kDrainLimit{std::chrono::seconds(2)};

// Bounds the descriptor loop used when close_range() is not available.
constexpr rlim_t kMaxFdsToScan = 1 << 16;

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

// What Boost.Process v1 does not do for us at the spawn.
// In the parent, before fork: the exact argv (argv[0] as written, not the resolved path) and the
// exact environment, nothing inherited.
// In the child, between fork and exec (async-signal-safe calls only): a process group of its
// own, the working folder, and no descriptor inherited beyond 0, 1 and 2. Boost leaves its pipes
// and ours inheritable, so a pipeline started by another thread at the same moment would keep
// this run's output pipe open and its end-of-file would never come.
class ChildSetup : public bp::extend::handler {
 public:
  ChildSetup(const ProcessSpec& spec, std::string exe)
      : exe_(std::move(exe)), argv_(spec.argv), working_dir_(spec.working_dir.string()) {
    for (const auto& [key, value] : spec.env) {
      env_.push_back(key + "=" + value);
    }
    struct rlimit limit {};
    max_fd_ = ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                  ? static_cast<int>(std::min(limit.rlim_cur, kMaxFdsToScan))
                  : static_cast<int>(kMaxFdsToScan);
  }

  template <class Executor>
  void on_setup(Executor& exec) const {
    // Built here rather than in the constructor, so the pointers are into this very object.
    argv_ptrs_.clear();
    for (auto& arg : argv_) {
      argv_ptrs_.push_back(arg.data());
    }
    argv_ptrs_.push_back(nullptr);
    env_ptrs_.clear();
    for (auto& entry : env_) {
      env_ptrs_.push_back(entry.data());
    }
    env_ptrs_.push_back(nullptr);
    exec.exe = exe_.c_str();
    exec.cmd_line = argv_ptrs_.data();
    exec.env = env_ptrs_.data();
  }

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    // Boost reports a child-side error to the parent but then goes on to exec anyway, which would
    // run the pipeline in the wrong group or folder: exit instead (on_error reaps us).
    if (::setpgid(0, 0) != 0) {
      exec.set_error(bp::extend::get_last_error(), "setpgid failed");
      ::_exit(127);
    }
    if (!working_dir_.empty() && ::chdir(working_dir_.c_str()) != 0) {
      exec.set_error(bp::extend::get_last_error(), "cannot enter the working folder");
      ::_exit(127);
    }
    mark_inherited_fds_cloexec();
  }

  template <class Executor>
  void on_error(Executor& exec, const std::error_code& /*error*/) const {
    // The fork may have succeeded before the failure (a child-side error, a failed exec): Boost
    // then forgets the child, so kill and reap it here, or it would stay a process or a zombie.
    if (exec.pid > 0) {
      ::kill(exec.pid, SIGKILL);
      while (::waitpid(exec.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }

 private:
  void mark_inherited_fds_cloexec() const {
    // CLOEXEC rather than close: Boost's own error pipe must stay open until the exec.
#if defined(CLOSE_RANGE_CLOEXEC)
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
      return;
    }
#endif
    for (int fd = 3; fd < max_fd_; ++fd) {
      const int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0 && (flags & FD_CLOEXEC) == 0) {
        ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
      }
    }
  }

  std::string exe_;
  mutable std::vector<std::string> argv_;
  mutable std::vector<std::string> env_;
  std::string working_dir_;
  int max_fd_ = 0;
  mutable std::vector<char*> argv_ptrs_;
  mutable std::vector<char*> env_ptrs_;
};

void set_cloexec(int fd) {
  // A descriptor of 0..2 here means ours were closed; the child's dup2 onto itself would then
  // keep the flag and lose its output, so leave those alone.
  if (fd > 2) {
    ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
  }
}

// One pipeline run: the state of its io_context, from spawn to the last byte of output. Every
// handler runs on the thread that called execute().
class Run {
 public:
  Run(const ProcessSpec& spec, BoundedLog& log) : spec_(spec), log_(log) {}

  ProcessOutcome execute(const std::filesystem::path& exe, StopSignal& stop) {
    // asio::post is thread-safe; the task runs here, inside io_.run().
    const int subscription = stop.subscribe(
        [this](milliseconds grace) { asio::post(io_, [this, grace] { on_stop(grace); }); });
    struct Unsubscribe {
      StopSignal& stop;
      int id;
      ~Unsubscribe() { stop.unsubscribe(id); }
    } unsubscribe{stop, subscription};
    if (stop.requested()) {  // between run()'s check and the subscription
      return stopped_before_start();
    }

    set_cloexec(pipe_.native_source());
    set_cloexec(pipe_.native_sink());
    ChildSetup setup(spec_, exe.string());
    std::error_code spawn_error;
    // With an error_code Boost reports spawn failures through it instead of throwing, and calls
    // the handlers' on_error, where ChildSetup reaps a half-started child.
    // Unformatted: clang-format reads the redirections as template brackets.
    // clang-format off
    child_.emplace(bp::exe = exe.string(), bp::std_in < bp::null,
                   (bp::std_out & bp::std_err) > pipe_, io_,
                   bp::on_exit([this](int, const std::error_code& ec) { on_leader_exit(ec); }),
                   setup, spawn_error);
    // clang-format on
    if (spawn_error || !child_->valid()) {
      return failed_to_start("cannot start pipeline command " + in_quotes(spec_.argv.front()) +
                             ": " + (spawn_error ? spawn_error.message() : "unknown error"));
    }
    pgid_ = child_->id();
    // Normally the group is killed when its leader exits. Should anything throw before that, the
    // group must not survive this call either (~child then kills and reaps the leader).
    struct KillGroupUnlessDone {
      const Run& run;
      ~KillGroupUnlessDone() {
        if (!run.leader_exited_) {
          ::killpg(run.pgid_, SIGKILL);
        }
      }
    } kill_group_unless_done{*this};

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
  void read_output() {
    pipe_.async_read_some(asio::buffer(buffer_),
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

  void on_stop(milliseconds grace) {
    if (!leader_exited_) {
      begin_kill(Kind::kStopped, grace);
    }
  }

  // SIGTERM to the whole group now, SIGKILL after the grace. The first reason wins.
  void begin_kill(Kind reason, milliseconds grace) {
    if (kill_reason_) {
      return;
    }
    kill_reason_ = reason;
    ::killpg(pgid_, SIGTERM);
    kill_timer_.expires_after(grace);
    kill_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        ::killpg(pgid_, SIGKILL);
      }
    });
  }

  void on_leader_exit(const std::error_code& ec) {
    leader_exited_ = true;
    if (ec) {
      wait_error_ = ec.message();
    } else {
      native_status_ = child_->native_exit_code();
    }
    // Background children would hold the output pipe open (and outlive the run): kill them now.
    ::killpg(pgid_, SIGKILL);
    deadline_.cancel();
    kill_timer_.cancel();
    if (!output_closed_) {
      drain_timer_.expires_after(kDrainLimit);
      drain_timer_.async_wait([this](const boost::system::error_code& timer_ec) {
        if (!timer_ec && !output_closed_) {
          drain_abandoned_ = true;
          boost::system::error_code ignored;
          pipe_.close(ignored);
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
      result.error = "stopped by shutdown; process group killed";
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
  // Destroyed in reverse: the child (reaped by then) before the pipe, both before io_.
  asio::io_context io_;
  bp::async_pipe pipe_{io_};
  asio::steady_timer deadline_{io_};
  asio::steady_timer kill_timer_{io_};
  asio::steady_timer drain_timer_{io_};
  std::optional<bp::child> child_;
  std::array<char, kReadChunkBytes> buffer_{};
  pid_t pgid_ = -1;
  bool leader_exited_ = false;
  bool output_closed_ = false;
  bool drain_abandoned_ = false;
  std::optional<Kind> kill_reason_;
  int native_status_ = 0;
  std::string wait_error_;
};

class PosixProcessLauncher : public ProcessLauncher {
 public:
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
      Run run(spec, log);
      return run.execute(*exe, stop);
    } catch (const std::exception& e) {
      // Run's destructors have killed the group and reaped the leader by now.
      return failed_to_start(std::string("cannot run the pipeline: ") + e.what());
    } catch (...) {
      return failed_to_start("cannot run the pipeline: unknown error");
    }
  }
};

}  // namespace

std::unique_ptr<ProcessLauncher> make_posix_process_launcher() {
  return std::make_unique<PosixProcessLauncher>();
}

}  // namespace orch::pipeline
