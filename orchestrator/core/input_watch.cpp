#include "orchestrator/core/input_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <system_error>
#include <vector>

#include "config/base/log.h"

namespace orch {
namespace {

// What says a file may have landed. A file written in place shows IN_CREATE (empty) and then
// IN_CLOSE_WRITE; one renamed in, IN_MOVED_TO; `touch` of a marker that exists, IN_ATTRIB.
// IN_MODIFY (every write) is left out: the settle timer, not the events, decides when a growing
// file is done.
constexpr std::uint32_t kLanded = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB;
// The folder itself renamed away: the watch would follow it, so it is dropped.
constexpr std::uint32_t kFolderGone = IN_MOVE_SELF;
// Large enough for many events with names; the kernel never splits one event.
constexpr std::size_t kEventBuffer = std::size_t{16} * 1024;

// errno as text (std::strerror is not thread-safe).
std::string errno_text() {
  return std::error_code(errno, std::generic_category()).message();
}

}  // namespace

InputWatch::InputWatch(std::function<void(const std::filesystem::path&)> landed)
    : landed_(std::move(landed)) {
  inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  wakeup_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_ < 0 || wakeup_ < 0) {
    // The poll does the work alone; said once.
    log::warn("input_watch_unavailable", {{"reason", errno_text()}});
    return;
  }
  thread_ = std::thread([this] { loop(); });
}

InputWatch::~InputWatch() {
  stop();
  if (inotify_ >= 0) {
    ::close(inotify_);
  }
  if (wakeup_ >= 0) {
    ::close(wakeup_);
  }
}

void InputWatch::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  if (wakeup_ >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(wakeup_, &one, sizeof one);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool InputWatch::watch(const std::filesystem::path& folder, const std::string& holder) {
  std::lock_guard lock(mutex_);
  if (stopped_ || !thread_.joinable()) {
    return false;
  }
  if (auto held = held_.find(holder); held != held_.end() && held->second != folder) {
    release_locked(holder);
  }
  Folder& watched = folders_[folder];
  watched.holders.insert(holder);
  held_[holder] = folder;
  if (watched.descriptor >= 0) {
    return true;
  }
  int descriptor = inotify_add_watch(inotify_, folder.c_str(), kLanded | kFolderGone | IN_ONLYDIR);
  if (descriptor < 0) {
    // Kept as held: the next call tries again (the folder may come later). A folder that is
    // there but cannot be watched (the user's inotify watch limit) is polled; said once.
    if (errno != ENOENT && !watched.refused) {
      watched.refused = true;
      log::warn("input_folder_not_watched", {{"folder", folder.string()},
                                             {"reason", errno_text()},
                                             {"effect", "its waiting runs are polled"}});
    }
    return false;
  }
  watched.descriptor = descriptor;
  by_descriptor_[descriptor].insert(folder);
  log::info("input_folder_watched", {{"folder", folder.string()}});
  return true;
}

void InputWatch::unwatch(const std::string& holder) {
  std::lock_guard lock(mutex_);
  release_locked(holder);
}

void InputWatch::release_locked(const std::string& holder) {
  auto held = held_.find(holder);
  if (held == held_.end()) {
    return;
  }
  auto folder = folders_.find(held->second);
  held_.erase(held);
  if (folder == folders_.end()) {
    return;
  }
  folder->second.holders.erase(holder);
  if (!folder->second.holders.empty()) {
    return;
  }
  if (int descriptor = folder->second.descriptor; descriptor >= 0) {
    auto paths = by_descriptor_.find(descriptor);
    if (paths != by_descriptor_.end()) {
      paths->second.erase(folder->first);
      // Two names of one folder share a descriptor: it goes with the last of them.
      if (paths->second.empty()) {
        by_descriptor_.erase(paths);
        inotify_rm_watch(inotify_, descriptor);
      }
    }
  }
  folders_.erase(folder);
}

void InputWatch::loop() {
  while (true) {
    std::array<pollfd, 2> fds{{{inotify_, POLLIN, 0}, {wakeup_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      log::warn("input_watch_failed", {{"reason", errno_text()}});
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    for (const auto& folder : read_events()) {
      landed_(folder);
    }
  }
}

std::set<std::filesystem::path> InputWatch::read_events() {
  alignas(struct inotify_event) std::array<char, kEventBuffer> buffer{};
  std::set<std::filesystem::path> touched;
  while (true) {
    ssize_t got = ::read(inotify_, buffer.data(), buffer.size());
    if (got <= 0) {
      break;  // EAGAIN: drained
    }
    std::lock_guard lock(mutex_);
    for (const char* at = buffer.data(); at < buffer.data() + got;) {
      const auto* event = reinterpret_cast<const struct inotify_event*>(at);
      at += sizeof(struct inotify_event) + event->len;
      take_event_locked(*event, touched);
    }
  }
  return touched;
}

void InputWatch::take_event_locked(const inotify_event& event,
                                   std::set<std::filesystem::path>& touched) {
  if ((event.mask & IN_Q_OVERFLOW) != 0) {
    // Events were lost: every folder may have had a file land.
    for (const auto& [folder, watched] : folders_) {
      touched.insert(folder);
    }
    return;
  }
  auto paths = by_descriptor_.find(event.wd);
  if (paths == by_descriptor_.end()) {
    return;
  }
  touched.insert(paths->second.begin(), paths->second.end());
  if ((event.mask & (IN_IGNORED | kFolderGone)) == 0) {
    return;
  }
  // Removed or moved away: not watched until a holder asks again.
  if ((event.mask & IN_IGNORED) == 0) {
    inotify_rm_watch(inotify_, event.wd);
  }
  for (const auto& folder : paths->second) {
    if (auto watched = folders_.find(folder); watched != folders_.end()) {
      watched->second.descriptor = -1;
    }
  }
  by_descriptor_.erase(paths);
}

}  // namespace orch
