#pragma once

#include <chrono>
#include <string>

#include "config/base/result.h"

namespace orch::notify {

struct WebhookRequest {
  std::string url;                   // http:// or https://; its path is the secret
  std::string json;                  // the body
  std::string ca_file;               // https: a CA (PEM) to trust instead of the system's
  std::chrono::seconds timeout{10};  // for connecting, sending, and waiting for the answer
};

// POSTs `request.json` to an incoming webhook (Slack's, or any HTTP(S) endpoint) and waits for a
// 2xx answer. Blocks; call it from a delivery thread. Errors name the URL redacted, never its
// path. kUnavailable: worth retrying (refused, timed out, 408, 429, 5xx); kInvalidArgument: not
// (another 4xx: the hook is gone or the token wrong); kFailedPrecondition: not (TLS: the
// server's certificate is not trusted; or the network plugin is not loaded: see
// network_plugin.h).
Status post_webhook(const WebhookRequest& request);

// "https://hooks.slack.com/***": the scheme, host and port, with the path and query (the token)
// hidden. For logs, errors, the notifications table and `teams list`.
std::string redact_webhook(const std::string& url);

}  // namespace orch::notify
