#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "config/base/result.h"
#include "orchestrator/api/http_message.h"

namespace orch::api {

// What one client may take of the server. A client over a limit is answered (413, 431, 503) or
// cut off (a read that times out); it never holds the server up for the others.
struct ServerLimits {
  std::size_t max_connections = 256;  // more are answered 503 and closed
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  // A request's header and body must arrive within this, counted from when the server starts
  // waiting for it; a keep-alive connection that sends nothing for this long is closed too.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  int threads = 2;
};

// Called for every well-formed request, on one of the server's threads (several at once).
using Handler = std::function<HttpResponse(const HttpRequest&)>;

// An HTTP/1.1 server (Boost.Beast) on threads and an io_context of its own, so that a slow or
// hostile client, or a slow handler, never delays the caller's threads. Every answer gets the
// security headers (Content-Security-Policy, X-Content-Type-Options, Referrer-Policy,
// Cache-Control). Stops, closing every connection, when destroyed.
class HttpServer {
 public:
  // Listens on `listen` ("HOST:PORT"; port 0 picks a free port). Fails with kInvalidArgument when
  // the address cannot be listened on (a busy port, an address of no interface), saying why.
  static Result<std::unique_ptr<HttpServer>> start(const std::string& listen,
                                                   const ServerLimits& limits, Handler handler);

  virtual ~HttpServer() = default;

  // The address listened on, with the port chosen: "127.0.0.1:43817".
  virtual std::string local_address() const = 0;
};

}  // namespace orch::api
