// The SMTP side of the network plugin: the table's send_mail entry and the Poco session that
// sends the mail.

#include <exception>
#include <sstream>
#include <string>

#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include "notify/mail_transport.h"
#include "notify/net/entries.h"
#include "notify/net/tls_context.h"
#include "notify/retry_rule.h"

namespace orch::notify::net {
namespace {

void fill(Poco::Net::MailMessage& m, const Mail& mail) {
  m.setSender(mail.from);
  for (const auto& address : mail.to) {
    m.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, address));
  }
  // RFC 2047 keeps a team name with accents readable in every mail client.
  m.setSubject(Poco::Net::MailMessage::encodeWord(mail.subject, "UTF-8"));
  m.setContentType("text/plain; charset=UTF-8");
  // Quoted-printable keeps long error lines and non-ASCII text within SMTP's line limits.
  m.setContent(mail.body, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

std::string base64(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << text;
  encoder.close();
  return out.str();
}

// Sends one step of an AUTH exchange; throws unless the server answers `expected`.
void step(Poco::Net::SMTPClientSession& session, const std::string& command, int expected,
          const char* what) {
  std::string response;
  int status = session.sendCommand(command, response);
  if (status != expected) {
    throw Poco::Net::SMTPException(std::string("authentication failed at ") + what, response,
                                   status);
  }
}

// AUTH PLAIN when the server offers it, else LOGIN: the two every server speaks. Written out
// with sendCommand rather than Poco's login(): Poco's LOGIN only answers prompts spelt
// "Username:"/"Password:" and silently sends nothing to others (aiosmtpd says "User Name").
void authenticate(Poco::Net::SMTPClientSession& session, const config::SmtpConfig& smtp) {
  std::string response;
  session.sendCommand("EHLO", "localhost", response);
  auto auth_line = response.find("AUTH");
  bool plain =
      auth_line != std::string::npos && response.find("PLAIN", auth_line) != std::string::npos;
  if (plain) {
    step(session, "AUTH PLAIN " + base64(std::string(1, '\0') + smtp.user + '\0' + smtp.password),
         235, "AUTH PLAIN");
    return;
  }
  step(session, "AUTH LOGIN", 334, "AUTH LOGIN");
  step(session, base64(smtp.user), 334, "the user name");
  step(session, base64(smtp.password), 235, "the password");
}

void deliver(const config::SmtpConfig& smtp, const Mail& mail, std::string& stage) {
  Poco::Timespan timeout(smtp.timeout.count() * Poco::Timespan::SECONDS);
  stage = "looking up the host";
  Poco::Net::SocketAddress address(smtp.host, static_cast<Poco::UInt16>(smtp.port));
  Poco::Net::StreamSocket socket;
  stage = "connecting";
  if (smtp.tls == config::SmtpTls::kTls) {
    Poco::Net::SecureStreamSocket secure(client_tls_context(smtp.ca_file));
    secure.setPeerHostName(smtp.host);
    secure.connect(address, timeout);
    socket = secure;
  } else {
    socket.connect(address, timeout);
  }
  socket.setSendTimeout(timeout);
  Poco::Net::SecureSMTPClientSession session(socket);
  session.setTimeout(timeout);
  stage = "greeting";
  session.login();  // reads the greeting, EHLO
  if (smtp.tls == config::SmtpTls::kStartTls) {
    stage = "starting TLS";
    if (!session.startTLS(client_tls_context(smtp.ca_file))) {
      throw Poco::Net::SSLException("the server does not offer STARTTLS");
    }
  }
  if (!smtp.user.empty()) {
    stage = "authenticating";
    authenticate(session, smtp);
  } else if (smtp.tls == config::SmtpTls::kStartTls) {
    session.login();  // EHLO again over TLS, as RFC 3207 requires
  }
  stage = "sending";
  Poco::Net::MailMessage message;
  fill(message, mail);
  session.sendMessage(message);
  stage = "closing";
  session.close();
}

Status send_over_smtp(const config::SmtpConfig& smtp, const Mail& mail) {
  std::string stage;
  std::string where = "SMTP " + smtp.host + ":" + std::to_string(smtp.port);
  auto error = [&](ReplyClass reply, const std::string& reason) {
    std::string message = where + ": " + reason + " (while " + stage + ")";
    // A server may echo what it was sent; the password must not travel on in an error.
    if (!smtp.password.empty()) {
      for (auto pos = message.find(smtp.password); pos != std::string::npos;
           pos = message.find(smtp.password)) {
        message.replace(pos, smtp.password.size(), "***");
      }
    }
    return Error{error_code(reply), message};
  };
  // Poco's what() is only the exception's class name; displayText() carries the reason, and an
  // SMTPException's code() the server's reply code.
  try {
    deliver(smtp, mail, stage);
    return {};
  } catch (const Poco::Net::SSLException& e) {
    return error(ReplyClass::kUntrusted, "TLS: " + e.displayText());
  } catch (const Poco::TimeoutException& e) {
    return error(ReplyClass::kNoAnswer,
                 "timed out after " + std::to_string(smtp.timeout.count()) + " s");
  } catch (const Poco::Net::SMTPException& e) {
    return error(smtp_reply_class(e.code()), e.displayText());
  } catch (const Poco::Exception& e) {
    return error(ReplyClass::kNoAnswer, e.displayText());
  } catch (const std::exception& e) {
    return error(ReplyClass::kNoAnswer, e.what());
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

}  // namespace

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
    return report(send_over_smtp(smtp, mail), sink, context);
  } catch (const std::exception& e) {
    return report(unavailable(std::string("SMTP: ") + e.what()), sink, context);
  } catch (...) {
    return report(unavailable("SMTP: unknown failure"), sink, context);
  }
}

}  // namespace orch::notify::net
