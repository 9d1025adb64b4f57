#include "orchestrator/core/heartbeat.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace orch {

Heartbeat::Heartbeat(std::chrono::milliseconds interval, std::function<void()> beat)
    : interval_(interval), beat_(std::move(beat)) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
        break;
      }
      lock.unlock();
      beat_();
      lock.lock();
    }
  });
}

Heartbeat::~Heartbeat() { stop(); }

void Heartbeat::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

namespace {
std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) {
    return "localhost";
  }
  return buffer;
}
}  // namespace

std::chrono::milliseconds heartbeat_interval(std::chrono::seconds timeout) {
  return std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(timeout) / 5,
                    std::chrono::milliseconds(200), std::chrono::milliseconds(5000));
}

std::string this_instance() { return host_name() + ":" + std::to_string(getpid()); }

bool is_dead_local_instance(const std::string& instance) {
  auto colon = instance.rfind(':');
  if (colon == std::string::npos || instance.substr(0, colon) != host_name()) {
    return false;
  }
  long pid = 0;
  const char* begin = instance.data() + colon + 1;
  const char* end = instance.data() + instance.size();
  auto [ptr, ec] = std::from_chars(begin, end, pid);
  if (ec != std::errc() || ptr != end || pid <= 0) {
    return false;
  }
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace orch
