// One pipeline run on an Asio io_context of the calling thread: the output pipe, the leader's
// exit (leader_exit_watch.h) and the timers. The run ends once both the leader's exit and the
// output's end-of-file are seen, so that no output is lost; output that a process outside the
// group keeps open past the exit is given up after kDrainLimit.
#include "pipeline/process_run.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "config/base/owned_fd.h"
#include "pipeline/launch_outcome.h"
#include "pipeline/leader_exit_watch.h"
#include "pipeline/process_spawn.h"
#include "pipeline/run_sweep.h"

namespace orch::pipeline {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Kind = ProcessOutcome::Kind;

constexpr std::size_t kReadChunkBytes = std::size_t{64} * 1024;

// Once the leader has exited and its group is killed, output that stays open is held by a process
// that left the group (setsid, a daemon). We cannot find it, so we stop reading after this long
// rather than hang the run.
constexpr milliseconds kDrainLimit{std::chrono::seconds(2)};

// The calling thread's io_context, kept from run to run: making one (an epoll set, an eventfd, a
// timerfd and Asio's services) and tearing it down again took a twentieth of the service's CPU in
// a storm of short runs. A run that could not settle its handlers marks it spoiled, and the next
// run gets a fresh one.
class ThreadIo {
 public:
  static asio::io_context& get() {
    ThreadIo& self = instance();
    if (self.spoiled_ || !self.io_) {
      self.io_ = std::make_unique<asio::io_context>();
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
  std::unique_ptr<asio::io_context> io_;
  bool spoiled_ = false;
};

// Unsubscribes from a StopSignal when the run ends, however it ends.
class StopSubscription {
 public:
  StopSubscription(StopSignal& stop, const StopSignal::Listener& listener)
      : stop_(stop), id_(stop.subscribe(listener)) {}
  ~StopSubscription() { stop_.unsubscribe(id_); }
  StopSubscription(const StopSubscription&) = delete;
  StopSubscription& operator=(const StopSubscription&) = delete;
  StopSubscription(StopSubscription&&) = delete;
  StopSubscription& operator=(StopSubscription&&) = delete;

 private:
  StopSignal& stop_;
  int id_;
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
    if (auto marker = spec.env.find(std::string(kRunMarkerName)); marker != spec.env.end()) {
      run_id_ = marker->second;
    }
    end_.timeout = spec.timeout;
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  Run(Run&&) = delete;
  Run& operator=(Run&&) = delete;

  // The group must not survive this call, even if something throws before the leader exits.
  // The io_context does: every handler of this run, cancelled ones too, runs before it is gone.
  ~Run() {
    if (pid_ > 0 && !leader_exited_) {
      ::killpg(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      leader_exited_ = true;
    }
    // Should any of this throw, the io_context may keep handlers of this run, so the next run
    // gets a fresh one.
    try {
      if (guardian_ != nullptr) {
        guardian_->release(run_id_);
      }
      boost::system::error_code ignored;
      output_.close(ignored);
      exit_watch_.close();
      deadline_.cancel();
      kill_timer_.cancel();
      drain_stop_.cancel();
      drain_timer_.cancel();
      io_.restart();
      io_.poll();
    } catch (...) {
      ThreadIo::spoil();
    }
  }

  ProcessOutcome execute(const std::filesystem::path& exe, StopSignal& stop) {
    // asio::post is thread-safe; the task runs here, inside io_.run().
    const StopSubscription subscription(stop, [this](const StopRequest& request) {
      asio::post(io_, [this, request] { on_stop(request); });
    });
    if (stop.requested()) {  // between run()'s check and the subscription
      return stopped_before_start();
    }
    std::array<int, 2> fds{-1, -1};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
      return failed_to_start("cannot create the output pipe: " +
                             std::generic_category().message(errno));
    }
    OwnedFd read_end(fds[0]);
    OwnedFd write_end(fds[1]);
    auto leader = spawn_leader(spec_, exe, write_end.get(), guardian_, run_id_);
    if (!leader) {
      return failed_to_start(leader.error().message);
    }
    pid_ = *leader;
    if (guardian_ != nullptr) {
      guardian_->watch(run_id_, pid_);
    }
    write_end.reset();  // only the child writes: its exit brings end-of-file
    output_.assign(read_end.release());
    exit_watch_.start(pid_);
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
    if (leader_exited_ || end_.kill_reason) {
      return;
    }
    end_.stop_why = request.why;
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
    // Never killpg(-1): that would be every process we may signal.
    if (end_.kill_reason || pid_ <= 0) {
      return;
    }
    end_.kill_reason = reason;
    ::killpg(pid_, SIGTERM);
    kill_timer_.expires_after(grace);
    kill_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) {
        ::killpg(pid_, SIGKILL);
      }
    });
  }

  // The group was killed just before the reap (LeaderExitWatch).
  void on_leader_exit(const std::string& wait_error, int status) {
    leader_exited_ = true;
    end_.wait_error = wait_error;
    end_.native_status = status;
    deadline_.cancel();
    kill_timer_.cancel();
    drain_stop_.cancel();
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
    ProcessOutcome result = ended_outcome(end_);
    if (end_.kill_reason) {
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
  RunEnd end_;
  asio::io_context& io_ = ThreadIo::get();
  asio::posix::stream_descriptor output_{io_};
  LeaderExitWatch exit_watch_{io_, [this](const std::string& wait_error, int status) {
                                on_leader_exit(wait_error, status);
                              }};
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
};

}  // namespace

ProcessOutcome run_process(const ProcessSpec& spec, const std::filesystem::path& exe,
                           BoundedLog& log, ProcessGuardian* guardian, StopSignal& stop) {
  Run run(spec, log, guardian);
  return run.execute(exe, stop);
}

}  // namespace orch::pipeline
