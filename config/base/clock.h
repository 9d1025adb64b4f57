#pragma once

#include <chrono>

#include "config/base/time.h"

namespace orch {

// Where "now" comes from. The scheduling core never reads the time itself: it is handed `now`,
// so tests can drive it across days, restarts and DST changes without sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SysTime now() const = 0;
};

// The system's wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  SysTime now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
  }
};

}  // namespace orch
