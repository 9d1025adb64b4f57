#include "notify/net/transports.h"

#include <algorithm>
#include <memory>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/URI.h>

#include "notify/net/tls_context.h"

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

Status post(const WebhookRequest& request, const Poco::URI& uri, const std::string& shown) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(
        uri.getHost(), uri.getPort(), client_tls_context(request.ca_file));
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session->setTimeout(Poco::Timespan(static_cast<long>(request.timeout.count()), 0));
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
  bool retry = status >= 500 || status == 408 || status == 429;
  return Error{retry ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument, message};
}

}  // namespace

Status post_webhook(const WebhookRequest& request) {
  std::string shown = redact_webhook(request.url);
  auto error = [&](ErrorCode code, const std::string& reason) {
    std::string message = "webhook " + shown + ": " + reason;
    // Poco may name the request's path in a message; the path is the token.
    Poco::URI uri(request.url);
    std::string secret = uri.getPathAndQuery();
    if (secret.size() > 1) {
      for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret)) {
        message.replace(pos, secret.size(), "/***");
      }
    }
    return Error{code, message};
  };
  try {
    Poco::URI uri(request.url);
    if (uri.getScheme() != "http" && uri.getScheme() != "https") {
      return error(ErrorCode::kInvalidArgument, "use an http:// or https:// URL");
    }
    return post(request, uri, shown);
  } catch (const Poco::Net::SSLException& e) {
    return error(ErrorCode::kFailedPrecondition, "TLS: " + e.displayText());
  } catch (const Poco::TimeoutException&) {
    return error(ErrorCode::kUnavailable,
                 "no answer within " + std::to_string(request.timeout.count()) + " s (timed out)");
  } catch (const Poco::Exception& e) {
    return error(ErrorCode::kUnavailable, e.displayText());
  } catch (const std::exception& e) {
    return error(ErrorCode::kUnavailable, e.what());
  }
}

}  // namespace orch::notify::net
