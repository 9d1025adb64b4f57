#pragma once

// Private to notify/: how the transports call the loaded network plugin through the C table of
// net/abi.h (plain C, so this header stays light).

#include <functional>
#include <string>

#include "config/base/result.h"
#include "notify/net/abi.h"

namespace orch::notify {

// `text` as the plugin takes it; valid while `text` lives and is not changed.
inline orch_net_text net_text(const std::string& text) {
  return {text.data(), text.size()};
}

// One call of the plugin's table, given its error sink and the sink's context to pass on.
using PluginCall =
    std::function<int(const orch_notify_net_v1& plugin, orch_net_error_sink sink, void* context)>;

// Makes `call` with the loaded plugin and turns what it returns into a Status with the reason the
// plugin gave (the codes of abi.h mean the error codes of retry_rule.h). kFailedPrecondition,
// naming `channel`, when no plugin is loaded (network_plugin.h).
Status call_network_plugin(const char* channel, const PluginCall& call);

}  // namespace orch::notify
