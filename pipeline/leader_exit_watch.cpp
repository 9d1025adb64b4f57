#include "pipeline/leader_exit_watch.h"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <system_error>
#include <utility>

namespace orch::pipeline {
namespace {

// How often the exit of the leader is polled where the kernel has no pidfd (before Linux 5.3).
constexpr std::chrono::milliseconds kExitPollInterval{5};

}  // namespace

LeaderExitWatch::LeaderExitWatch(boost::asio::io_context& io, OnExit on_exit)
    : on_exit_(std::move(on_exit)), pidfd_(io), poll_timer_(io) {}

void LeaderExitWatch::start(pid_t pid) {
  pid_ = pid;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd < 0) {
    poll();
    return;
  }
  pidfd_.assign(pidfd);
  pidfd_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                    [this](const boost::system::error_code& ec) {
                      if (!ec) {
                        reap();
                      }
                    });
}

void LeaderExitWatch::close() {
  boost::system::error_code ignored;
  pidfd_.close(ignored);
  poll_timer_.cancel();
}

void LeaderExitWatch::poll() {
  poll_timer_.expires_after(kExitPollInterval);
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    if (!reap_if_exited(WNOHANG)) {
      poll();
    }
  });
}

void LeaderExitWatch::reap() {
  if (!reap_if_exited(0)) {
    poll();  // cannot happen after the pidfd said so; stay safe anyway
  }
}

// The leader is seen to exit without being reaped (WNOWAIT): while it is a zombie its pid, and so
// its group's id, cannot be given to another process, so the group is killed before the reap and
// never a stranger's group of the same number after it. That also kills background children,
// which would hold the output pipe open and outlive the run.
bool LeaderExitWatch::reap_if_exited(int options) {
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
  on_exit_(got < 0 ? std::generic_category().message(errno) : std::string(), status);
  return true;
}

}  // namespace orch::pipeline
