// The plugin's entry: abi.h's plain C on one side, the transports' C++ on the other. Nothing may
// cross the C boundary but the table's functions, which catch everything.

#include <exception>
#include <string>

#include "notify/net/abi.h"
#include "notify/net/transports.h"

namespace orch::notify::net {
namespace {

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

config::SmtpTls smtp_tls(int32_t tls) {
  switch (tls) {
    case kOrchNetStartTls:
      return config::SmtpTls::kStartTls;
    case kOrchNetTls:
      return config::SmtpTls::kTls;
    default:
      return config::SmtpTls::kPlain;
  }
}

int send_mail_entry(const orch_net_mail* m, orch_net_error_sink sink, void* context) noexcept {
  try {
    config::SmtpConfig smtp;
    smtp.host = text(m->host);
    smtp.port = m->port;
    smtp.tls = smtp_tls(m->tls);
    smtp.user = text(m->user);
    smtp.password = text(m->password);
    smtp.ca_file = text(m->ca_file);
    smtp.timeout = std::chrono::seconds(m->timeout_seconds);
    Mail mail;
    mail.from = text(m->from);
    for (size_t i = 0; i < m->to_count; ++i) {
      mail.to.push_back(text(m->to[i]));
    }
    mail.subject = text(m->subject);
    mail.body = text(m->body);
    return report(net::send_mail(smtp, mail), sink, context);
  } catch (const std::exception& e) {
    return report(unavailable(std::string("SMTP: ") + e.what()), sink, context);
  } catch (...) {
    return report(unavailable("SMTP: unknown failure"), sink, context);
  }
}

int post_webhook_entry(const orch_net_webhook* w, orch_net_error_sink sink,
                       void* context) noexcept {
  try {
    WebhookRequest request;
    request.url = text(w->url);
    request.json = text(w->json);
    request.ca_file = text(w->ca_file);
    request.timeout = std::chrono::seconds(w->timeout_seconds);
    return report(net::post_webhook(request), sink, context);
  } catch (const std::exception& e) {
    return report(unavailable(std::string("webhook: ") + e.what()), sink, context);
  } catch (...) {
    return report(unavailable("webhook: unknown failure"), sink, context);
  }
}

constexpr orch_notify_net_v1 kTable{send_mail_entry, post_webhook_entry};

}  // namespace
}  // namespace orch::notify::net

extern "C" __attribute__((visibility("default"))) const orch_notify_net_v1*
orch_notify_net_v1_table(void) {
  return &orch::notify::net::kTable;
}
