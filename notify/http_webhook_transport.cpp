// WebhookTransport over the network plugin: the post and the settings cross the plugin's C
// boundary (net/abi.h) as plain C; net/http_client.cpp, inside the plugin, speaks HTTP(S).

#include <utility>

#include "notify/plugin_call.h"
#include "notify/webhook_transport.h"

namespace orch::notify {
namespace {

class HttpWebhookTransport final : public WebhookTransport {
 public:
  explicit HttpWebhookTransport(WebhookSettings settings) : settings_(std::move(settings)) {}

  Status post(const WebhookPost& post) override {
    const orch_net_webhook request{.url = net_text(post.url),
                                   .json = net_text(post.json),
                                   .ca_file = net_text(settings_.ca_file),
                                   .timeout_seconds = settings_.timeout.count()};
    return call_network_plugin("slack", [&request](const orch_notify_net_v1& plugin,
                                                   orch_net_error_sink sink, void* context) {
      return plugin.post_webhook(&request, sink, context);
    });
  }

 private:
  const WebhookSettings settings_;
};

}  // namespace

std::shared_ptr<WebhookTransport> make_http_webhook_transport(WebhookSettings settings) {
  return std::make_shared<HttpWebhookTransport>(std::move(settings));
}

}  // namespace orch::notify
