#pragma once

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

// Sends one mail through the SMTP server `smtp` names: a plain connection, STARTTLS or TLS from
// the start (smtp.tls), with AUTH PLAIN or LOGIN (whichever the server offers) when smtp.user is
// set. Each network step waits at most smtp.timeout. Blocks; call it from a delivery thread.
// Errors never hold the password. kUnavailable: worth retrying (refused, timed out, the server
// answered 4xx or 5xx); kFailedPrecondition: not (the server's certificate is not trusted, or it
// offers no STARTTLS, or the network plugin is not loaded: see network_plugin.h).
Status send_mail(const config::SmtpConfig& smtp, const Mail& mail);

}  // namespace orch::notify
