#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace orch::pipeline {

// Watches a run's leader for its exit, on the run's io_context (launcher-internal): through a
// pidfd, which becomes readable when the process exits (Linux 5.3), or else by polling. The
// leader's group is killed before the leader is reaped, and `on_exit` is called once, from a
// handler of the io_context. Single-threaded, as the io_context's run is.
class LeaderExitWatch {
 public:
  // `wait_error` is empty, or why the leader's status could not be collected.
  using OnExit = std::function<void(const std::string& wait_error, int status)>;

  LeaderExitWatch(boost::asio::io_context& io, OnExit on_exit);
  LeaderExitWatch(const LeaderExitWatch&) = delete;
  LeaderExitWatch& operator=(const LeaderExitWatch&) = delete;
  LeaderExitWatch(LeaderExitWatch&&) = delete;
  LeaderExitWatch& operator=(LeaderExitWatch&&) = delete;
  ~LeaderExitWatch() = default;

  // Requires: `pid` is a child of this process, the leader of its own group.
  void start(pid_t pid);
  // Stops watching; a handler still pending then does nothing.
  void close();

 private:
  void poll();
  void reap();
  bool reap_if_exited(int options);

  OnExit on_exit_;
  boost::asio::posix::stream_descriptor pidfd_;
  boost::asio::steady_timer poll_timer_;
  pid_t pid_ = -1;
};

}  // namespace orch::pipeline
