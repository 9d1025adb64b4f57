// MailTransport over the network plugin: the mail and the SMTP settings cross the plugin's C
// boundary (net/abi.h) as plain C; net/smtp_client.cpp, inside the plugin, speaks SMTP.

#include <cstdint>
#include <utility>
#include <vector>

#include "notify/mail_transport.h"
#include "notify/plugin_call.h"

namespace orch::notify {
namespace {

std::int32_t tls_code(config::SmtpTls tls) {
  switch (tls) {
    case config::SmtpTls::kPlain:
      return kOrchNetPlain;
    case config::SmtpTls::kStartTls:
      return kOrchNetStartTls;
    case config::SmtpTls::kTls:
      return kOrchNetTls;
  }
  return kOrchNetPlain;
}

class SmtpMailTransport final : public MailTransport {
 public:
  explicit SmtpMailTransport(config::SmtpConfig smtp) : smtp_(std::move(smtp)) {}

  Status send(const Mail& mail) override {
    std::vector<orch_net_text> to;
    to.reserve(mail.to.size());
    for (const auto& address : mail.to) {
      to.push_back(net_text(address));
    }
    const orch_net_mail request{.host = net_text(smtp_.host),
                                .port = smtp_.port,
                                .tls = tls_code(smtp_.tls),
                                .user = net_text(smtp_.user),
                                .password = net_text(smtp_.password),
                                .ca_file = net_text(smtp_.ca_file),
                                .timeout_seconds = smtp_.timeout.count(),
                                .from = net_text(mail.from),
                                .to = to.data(),
                                .to_count = to.size(),
                                .subject = net_text(mail.subject),
                                .body = net_text(mail.body)};
    return call_network_plugin(
        "email", [&request](const orch_notify_net_v1& plugin, orch_net_error_sink sink,
                            void* context) { return plugin.send_mail(&request, sink, context); });
  }

 private:
  const config::SmtpConfig smtp_;
};

}  // namespace

std::shared_ptr<MailTransport> make_smtp_mail_transport(config::SmtpConfig smtp) {
  return std::make_shared<SmtpMailTransport>(std::move(smtp));
}

}  // namespace orch::notify
