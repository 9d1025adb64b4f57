#pragma once

// Private to the network plugin: the TLS client context the SMTP and webhook transports share.

#include <string>

#include <Poco/Net/Context.h>

namespace orch::notify::net {

// A client context that verifies the peer's chain and host name, trusting the system's CAs, or
// only `ca_file` (a PEM file) when one is given. Initializes Poco's SSL layer once per process,
// with a handler that refuses an untrusted certificate (never asks on a console).
Poco::Net::Context::Ptr client_tls_context(const std::string& ca_file);

}  // namespace orch::notify::net
