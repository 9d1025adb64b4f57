#include "orchestrator/core/heartbeat.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

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

Heartbeat::~Heartbeat() {
  stop();
}

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
  std::array<char, 256> buffer{};
  if (gethostname(buffer.data(), buffer.size() - 1) != 0) {
    return "localhost";
  }
  return buffer.data();
}

// Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. The fields
// are read after the last ')', as the command name before it may hold spaces and parentheses.
std::optional<std::uint64_t> process_start(std::int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) {
    return std::nullopt;
  }
  auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {  // fields 3 (state) to 22 (starttime)
    if (!(fields >> field)) {
      return std::nullopt;
    }
  }
  std::uint64_t start = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), start);
  if (ec != std::errc() || ptr != field.data() + field.size()) {
    return std::nullopt;
  }
  return start;
}

struct InstanceParts {
  std::string host;
  std::int64_t pid = 0;
  std::optional<std::uint64_t> start;
};

std::optional<InstanceParts> parse_instance(const std::string& instance) {
  auto first = instance.find(':');
  if (first == std::string::npos) {
    return std::nullopt;
  }
  InstanceParts parts;
  parts.host = instance.substr(0, first);
  std::string_view rest(instance);
  rest.remove_prefix(first + 1);
  auto second = rest.find(':');
  std::string_view pid = rest.substr(0, second);
  auto [ptr, ec] = std::from_chars(pid.data(), pid.data() + pid.size(), parts.pid);
  if (ec != std::errc() || ptr != pid.data() + pid.size() || parts.pid <= 0) {
    return std::nullopt;
  }
  if (second != std::string_view::npos) {
    std::string_view start = rest.substr(second + 1);
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(start.data(), start.data() + start.size(), value);
    if (error != std::errc() || end != start.data() + start.size()) {
      return std::nullopt;
    }
    parts.start = value;
  }
  return parts;
}
}  // namespace

std::chrono::milliseconds heartbeat_interval(std::chrono::seconds timeout) {
  return std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(timeout) / 5,
                    std::chrono::milliseconds(200), std::chrono::milliseconds(5000));
}

bool must_fence(Database::Reach reach, std::chrono::steady_clock::duration silent,
                std::chrono::seconds timeout) {
  return reach == Database::Reach::kAnyHost && silent >= timeout / 2;
}

std::string this_instance() {
  const std::int64_t pid = getpid();
  std::string instance = host_name() + ":" + std::to_string(pid);
  if (auto start = process_start(pid)) {
    instance += ":" + std::to_string(*start);
  }
  return instance;
}

std::string instance_host(const std::string& instance) {
  return instance.substr(0, instance.find(':'));
}

bool is_local_instance(const std::string& instance) {
  return instance_host(instance) == host_name();
}

bool is_dead_local_instance(const std::string& instance) {
  auto parts = parse_instance(instance);
  if (!parts || parts->host != host_name()) {
    return false;
  }
  if (::kill(static_cast<pid_t>(parts->pid), 0) != 0) {
    return errno == ESRCH;
  }
  if (!parts->start) {
    return false;
  }
  auto start = process_start(parts->pid);
  return start && *start != *parts->start;  // the pid now belongs to another process
}

}  // namespace orch
