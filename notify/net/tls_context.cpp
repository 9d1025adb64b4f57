#include "notify/net/tls_context.h"

#include <mutex>

#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>

namespace orch::notify::net {

Poco::Net::Context::Ptr client_tls_context(const std::string& ca_file) {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    // Without this, a Poco::Util::Application would install the console handler, which asks on
    // stdin whether to accept a bad certificate, and a delivery would hang on it.
    Poco::Net::SSLManager::instance().initializeClient(
        nullptr, new Poco::Net::RejectCertificateHandler(false), nullptr);
  });
  Poco::Net::Context::Params params;
  // STRICT also checks the peer's host name, or its address such as 127.0.0.1, against the
  // certificate; RELAXED skips that check.
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = ca_file.empty();
  params.caLocation = ca_file;
  params.cipherList = "HIGH:!aNULL:!MD5";
  return new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
}

}  // namespace orch::notify::net
