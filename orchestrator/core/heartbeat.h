#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "orchestrator/store/database.h"

namespace orch {

// Calls `beat` every `interval` on a thread of its own until stopped, so that a slow database
// write never delays the caller's loop. Stops (and joins) when destroyed.
class Heartbeat {
 public:
  Heartbeat(std::chrono::milliseconds interval, std::function<void()> beat);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  Heartbeat(Heartbeat&&) = delete;
  Heartbeat& operator=(Heartbeat&&) = delete;

  void stop();

 private:
  std::chrono::milliseconds interval_;
  std::function<void()> beat_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// How often a process beats when `timeout` of silence means it is dead: five beats per timeout,
// so that a slow database write or two never makes a live service look dead.
std::chrono::milliseconds heartbeat_interval(std::chrono::seconds timeout);

// Whether a service whose heartbeat last reached the database `silent` ago must stop its own
// pipelines now. Only on a database services on other hosts share (a replica there cannot see
// whether this process lives), and once half the heartbeat timeout has passed: another replica
// takes the runs over only after the whole timeout, so by then nothing of them still runs.
bool must_fence(Database::Reach reach, std::chrono::steady_clock::duration silent,
                std::chrono::seconds timeout);

// This process as the database knows it: "host:pid:start", where start is when the process
// started (clock ticks since boot, from /proc), so that a later process given the same pid is
// not taken for it.
std::string this_instance();

// The host part of an instance.
std::string instance_host(const std::string& instance);

// Whether `instance` names a process of this host.
bool is_local_instance(const std::string& instance);

// Whether `instance` names a process on this host that no longer exists: its pid is free, or
// taken by a process that started at another time. (An instance written by an older version,
// "host:pid", is judged by its pid alone.)
bool is_dead_local_instance(const std::string& instance);

}  // namespace orch
