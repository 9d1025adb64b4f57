#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

struct inotify_event;

namespace orch {

// Tells when a file lands in a folder that waiting runs wait on, through Linux inotify: created,
// written and closed, moved in, or its times or mode changed. Each folder is watched while some
// holder (a waiting run's id) asks for it. `landed` is called on the watch's own thread, with no
// lock of the watch held, once per batch of events in a folder. Where a folder cannot be watched
// (no inotify, no such folder, the user's watch limit reached) watch() says so and the caller
// polls. The methods are thread-safe.
class InputWatch {
 public:
  explicit InputWatch(std::function<void(const std::filesystem::path& folder)> landed);
  ~InputWatch();
  InputWatch(const InputWatch&) = delete;
  InputWatch& operator=(const InputWatch&) = delete;
  InputWatch(InputWatch&&) = delete;
  InputWatch& operator=(InputWatch&&) = delete;

  // Watches `folder` for `holder` (again if the kernel dropped the watch, e.g. the folder was
  // removed); false when it cannot be watched. A holder watches one folder: a second call with
  // another folder moves it.
  bool watch(const std::filesystem::path& folder, const std::string& holder);
  // The holder no longer waits; a folder nobody holds is no longer watched.
  void unwatch(const std::string& holder);

  // Ends the thread; watch() answers false from then on.
  void stop();

 private:
  struct Folder {
    int descriptor = -1;   // -1: not watched (not yet, or the kernel dropped it)
    bool refused = false;  // the kernel refused to watch it (said once)
    std::set<std::string> holders;
  };
  void loop();
  // Drains the pending events; returns the folders they touched.
  std::set<std::filesystem::path> read_events();
  void take_event_locked(const inotify_event& event, std::set<std::filesystem::path>& touched);
  void release_locked(const std::string& holder);

  std::function<void(const std::filesystem::path&)> landed_;
  int inotify_ = -1;
  int wakeup_ = -1;  // an eventfd that ends the thread's poll() at a stop
  mutable std::mutex mutex_;
  std::map<std::filesystem::path, Folder> folders_;
  std::map<std::string, std::filesystem::path> held_;             // holder -> its folder
  std::map<int, std::set<std::filesystem::path>> by_descriptor_;  // two names may share one
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace orch
