#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/config.h"

namespace orch::notify {

struct Mail {
  std::string from;
  std::vector<std::string> to;
  std::string subject;  // one line, UTF-8
  std::string body;     // plain text, UTF-8
};

// Where mail leaves the process. send() blocks, each network step bounded by the transport's
// timeout; call it from a delivery thread. Errors never hold a password, and their codes follow
// retry_rule.h: kUnavailable when another attempt may succeed (no answer, a 4xx reply),
// kInvalidArgument when it cannot (a 5xx reply, e.g. 550 to RCPT or a refused login),
// kFailedPrecondition when TLS fails or the network plugin is not loaded (network_plugin.h).
// Implementations may be called from several threads at once.
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual Status send(const Mail& mail) = 0;
};

// The one real transport: the network plugin's SMTP client, for the server `smtp` names (a plain
// connection, STARTTLS or TLS from the start; AUTH PLAIN or LOGIN, whichever the server offers,
// when smtp.user is set). Defined in smtp_mail_transport.cpp.
std::shared_ptr<MailTransport> make_smtp_mail_transport(config::SmtpConfig smtp);

}  // namespace orch::notify
