// The HTTP(S) side of the network plugin: the table's post_webhook entry and the Poco session
// that posts to the webhook.

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/URI.h>

#include "notify/net/entries.h"
#include "notify/net/tls_context.h"
#include "notify/retry_rule.h"
#include "notify/webhook_redaction.h"
#include "notify/webhook_transport.h"

namespace orch::notify::net {
namespace {

// How much of an error answer is kept: enough for Slack's "invalid_token" or a proxy's reason.
constexpr std::size_t kAnswerShown = 200;
constexpr std::size_t kAnswerRead = 4096;

std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  if (text.size() > kAnswerShown) {
    text.resize(kAnswerShown);
    text += "...";
  }
  return text;
}

Status post(const WebhookPost& request, const WebhookSettings& settings, const Poco::URI& uri,
            const std::string& shown) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(),
                                                              client_tls_context(settings.ca_file));
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session->setTimeout(Poco::Timespan(settings.timeout.count() * Poco::Timespan::SECONDS));
  std::string path = uri.getPathAndQuery();
  Poco::Net::HTTPRequest post(Poco::Net::HTTPRequest::HTTP_POST, path.empty() ? "/" : path,
                              Poco::Net::HTTPMessage::HTTP_1_1);
  post.setContentType("application/json");
  post.setContentLength(static_cast<std::streamsize>(request.json.size()));
  session->sendRequest(post) << request.json;
  Poco::Net::HTTPResponse response;
  std::istream& in = session->receiveResponse(response);
  // Only the start of an answer is ever shown; a webhook must not make us hold megabytes.
  std::string answer(kAnswerRead, '\0');
  in.read(answer.data(), static_cast<std::streamsize>(answer.size()));
  answer.resize(static_cast<std::size_t>(in.gcount()));
  int status = static_cast<int>(response.getStatus());
  if (status >= 200 && status < 300) {
    return {};
  }
  std::string message = "webhook " + shown + ": HTTP " + std::to_string(status) + " " +
                        response.getReason() + (answer.empty() ? "" : ": " + one_line(answer));
  return Error{error_code(http_reply_class(status)), message};
}

Status post_over_http(const WebhookPost& request, const WebhookSettings& settings) {
  std::string shown = redact_webhook(request.url);
  auto error = [&](ReplyClass reply, const std::string& reason) {
    std::string message = "webhook " + shown + ": " + reason;
    // Poco may name the request's path in a message; the path is the token.
    Poco::URI uri(request.url);
    std::string secret = uri.getPathAndQuery();
    if (secret.size() > 1) {
      for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret)) {
        message.replace(pos, secret.size(), "/***");
      }
    }
    return Error{error_code(reply), message};
  };
  try {
    Poco::URI uri(request.url);
    if (uri.getScheme() != "http" && uri.getScheme() != "https") {
      return error(ReplyClass::kPermanent, "use an http:// or https:// URL");
    }
    return post(request, settings, uri, shown);
  } catch (const Poco::Net::SSLException& e) {
    return error(ReplyClass::kUntrusted, "TLS: " + e.displayText());
  } catch (const Poco::TimeoutException&) {
    return error(ReplyClass::kNoAnswer,
                 "no answer within " + std::to_string(settings.timeout.count()) + " s (timed out)");
  } catch (const Poco::Exception& e) {
    return error(ReplyClass::kNoAnswer, e.displayText());
  } catch (const std::exception& e) {
    return error(ReplyClass::kNoAnswer, e.what());
  }
}

}  // namespace

int post_webhook_entry(const orch_net_webhook* w, orch_net_error_sink sink,
                       void* context) noexcept {
  try {
    WebhookPost request{text(w->url), text(w->json)};
    WebhookSettings settings{text(w->ca_file), std::chrono::seconds(w->timeout_seconds)};
    return report(post_over_http(request, settings), sink, context);
  } catch (const std::exception& e) {
    return report(unavailable(std::string("webhook: ") + e.what()), sink, context);
  } catch (...) {
    return report(unavailable("webhook: unknown failure"), sink, context);
  }
}

}  // namespace orch::notify::net
