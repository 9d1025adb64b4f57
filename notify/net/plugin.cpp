// The plugin's one exported symbol: the table of abi.h, whose entries live with the transport
// they serve (smtp_client.cpp, http_client.cpp).

#include "notify/net/abi.h"
#include "notify/net/entries.h"

namespace orch::notify::net {

std::string text(orch_net_text t) {
  return t.data == nullptr ? "" : std::string(t.data, t.size);
}

int report(const Status& status, orch_net_error_sink sink, void* context) {
  if (status) {
    return kOrchNetSent;
  }
  const std::string& message = status.error().message;
  sink(context, message.data(), message.size());
  switch (status.error().code) {
    case ErrorCode::kFailedPrecondition:
      return kOrchNetUntrusted;
    case ErrorCode::kInvalidArgument:
      return kOrchNetRefused;
    default:
      return kOrchNetRetry;
  }
}

namespace {

constexpr orch_notify_net_v1 kTable{send_mail_entry, post_webhook_entry};

}  // namespace
}  // namespace orch::notify::net

extern "C" __attribute__((visibility("default"))) const orch_notify_net_v1*
orch_notify_net_v1_table(void) {
  return &orch::notify::net::kTable;
}
