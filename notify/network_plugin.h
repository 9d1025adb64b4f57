#pragma once

#include <filesystem>

#include "config/base/result.h"

namespace orch::notify {

// Email and Slack go out through a plugin, orch_notify_net.so, which holds Poco and OpenSSL
// (notify/net/): a process loads it only when it needs one of them, so that a service that only
// logs never maps those libraries. The transports of mail_transport.h and webhook_transport.h
// fail with kFailedPrecondition until it is loaded.

// Loads the plugin from beside the executable, else from ../lib/orchestrator next to it (where
// `cmake --install` puts it). Call it at start-up, before the threads that deliver; loading it
// again is harmless. Fails with kFailedPrecondition and one sentence: where it looked and what
// to do, or why the file found would not load.
Status load_network_plugin();

// The same from an explicit file (tests of a build tree).
Status load_network_plugin(const std::filesystem::path& file);

}  // namespace orch::notify
