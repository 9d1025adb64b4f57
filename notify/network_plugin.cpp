#include "notify/network_plugin.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "notify/net/abi.h"
#include "notify/plugin_call.h"

namespace orch::notify {
namespace {

// The plugin's table, set once when it is loaded. The plugin is never unloaded: Poco and
// OpenSSL register exit handlers, and deliveries may be in flight until the process ends.
struct Plugin {
  std::mutex loading;
  std::atomic<const orch_notify_net_v1*> table{nullptr};
};

Plugin& plugin() {
  static Plugin loaded;
  return loaded;
}

void keep_error(void* context, const char* message, size_t size) {
  try {
    static_cast<std::string*>(context)->assign(message, size);
  } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; the code still tells the outcome
  }
}

Status outcome(int code, std::string message) {
  switch (code) {
    case kOrchNetSent:
      return {};
    case kOrchNetUntrusted:
      return Error{ErrorCode::kFailedPrecondition, std::move(message)};
    case kOrchNetRefused:
      return Error{ErrorCode::kInvalidArgument, std::move(message)};
    default:
      return Error{ErrorCode::kUnavailable, std::move(message)};
  }
}

}  // namespace

Status load_network_plugin(const std::filesystem::path& file) {
  std::lock_guard lock(plugin().loading);
  if (plugin().table.load() != nullptr) {
    return {};
  }
  // RTLD_NOW: a missing Poco or OpenSSL symbol shows here, at start-up, not at the first mail.
  // RTLD_LOCAL: its Poco symbols stay its own.
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    // dlerror() keeps its message per thread in glibc, and loading holds a lock besides.
    const char* reason = ::dlerror();  // NOLINT(concurrency-mt-unsafe)
    return failed_precondition("cannot load the email and Slack plugin " + file.string() + ": " +
                               (reason != nullptr ? reason : "unknown reason") +
                               " (install Poco and OpenSSL: scripts/install_deps.sh)");
  }
  using Entry = const orch_notify_net_v1* (*)();
  auto* entry = reinterpret_cast<Entry>(::dlsym(handle, ORCH_NOTIFY_NET_V1_ENTRY));
  const orch_notify_net_v1* table = entry != nullptr ? entry() : nullptr;
  if (table == nullptr) {
    return failed_precondition("the email and Slack plugin " + file.string() +
                               " does not speak version 1 of its interface: install the one "
                               "built with this binary");
  }
  plugin().table.store(table);
  return {};
}

Status load_network_plugin() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return failed_precondition(
        "cannot find the email and Slack plugin " + std::string(ORCH_NOTIFY_NET_FILE) +
        ": /proc/self/exe does not name this program (" + ec.message() + ")");
  }
  const std::vector<std::filesystem::path> places = {
      self.parent_path(), (self.parent_path() / ORCH_PLUGIN_DIR_FROM_BIN).lexically_normal()};
  for (const auto& place : places) {
    if (std::filesystem::exists(place / ORCH_NOTIFY_NET_FILE, ec)) {
      return load_network_plugin(place / ORCH_NOTIFY_NET_FILE);
    }
  }
  return failed_precondition("the email and Slack plugin " + std::string(ORCH_NOTIFY_NET_FILE) +
                             " is neither in " + places[0].string() + " nor in " +
                             places[1].string() +
                             ": install it in one of them (cmake --install "
                             "puts it in <prefix>/" ORCH_PLUGIN_INSTALL_DIR ")");
}

Status call_network_plugin(const char* channel, const PluginCall& call) {
  const orch_notify_net_v1* table = plugin().table.load();
  if (table == nullptr) {
    return failed_precondition(std::string(channel) + ": the plugin " + ORCH_NOTIFY_NET_FILE +
                               " is not loaded (email and Slack need it)");
  }
  std::string error;
  int code = call(*table, keep_error, &error);
  return outcome(code, std::move(error));
}

}  // namespace orch::notify
