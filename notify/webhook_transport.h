#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/base/result.h"

namespace orch::notify {

// How webhooks are reached: the same for every URL.
struct WebhookSettings {
  std::string ca_file;               // https: a CA (PEM) to trust instead of the system's
  std::chrono::seconds timeout{10};  // for connecting, sending, and waiting for the answer
};

// One POST to an incoming webhook (Slack's, or any HTTP(S) endpoint).
struct WebhookPost {
  std::string url;   // http:// or https://; its path is the secret
  std::string json;  // the body
};

// Where webhook posts leave the process. post() sends the JSON and waits for a 2xx answer; it
// blocks, so call it from a delivery thread. Errors name the URL redacted (webhook_redaction.h),
// never its path, and their codes follow retry_rule.h: kUnavailable when another attempt may
// succeed (no answer, 5xx, 408, 429), kInvalidArgument when it cannot (another answer: the hook
// is gone or the token wrong), kFailedPrecondition when TLS fails or the network plugin is not
// loaded (network_plugin.h). Implementations may be called from several threads at once.
class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  virtual Status post(const WebhookPost& post) = 0;
};

// The one real transport: the network plugin's HTTP(S) client. Defined in
// http_webhook_transport.cpp.
std::shared_ptr<WebhookTransport> make_http_webhook_transport(WebhookSettings settings);

}  // namespace orch::notify
