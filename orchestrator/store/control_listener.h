#pragma once

#include <chrono>

namespace orch {

// Hears the database's control bell: it rings whenever a reschedule, a run request or a cancel is
// recorded, by any process on any host sharing the database, so that a live service looks at the
// control state at once instead of polling it many times a second. PostgreSQL: LISTEN on the
// channel `orchestrator_control`, over a connection of the listener's own; SQLite: inotify on the
// database file, whose times a ring touches (every process on a SQLite database is on its host).
// A ring is a hint, not a message: the listener tells that something may have changed, and the
// caller reads what. Rings that arrive while the caller is busy collapse into one.
//
// One thread calls wait(); stop() may be called from any thread.
class ControlListener {
 public:
  enum class Wake { kRang, kTimedOut, kStopped };

  virtual ~ControlListener() = default;

  // Blocks until the bell rings, `timeout` passes or stop() is called. When the listener cannot
  // listen (its connection lost, a file that cannot be watched) it waits out the timeout and
  // tries again later; once it listens again it answers kRang, since rings may have been missed
  // meanwhile. The caller's periodic look at the control state is what covers those gaps.
  virtual Wake wait(std::chrono::milliseconds timeout) = 0;

  // Makes the current and every later wait() return kStopped.
  virtual void stop() = 0;
};

}  // namespace orch
