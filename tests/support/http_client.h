#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace orch::testing {

// One HTTP answer as a client received it. Header names are lowercase.
struct HttpReply {
  int status = 0;  // 0: no answer (refused, reset, timed out)
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& name) const;
};

// Sends `raw` (a whole HTTP/1.1 request, as bytes) to 127.0.0.1:`port` on a new connection and
// reads the answer to the end of the connection or of its Content-Length, within `timeout`.
// Plain sockets, so that a test can send exactly what a hostile client would.
HttpReply http_exchange(int port, const std::string& raw,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// GET `target` with `Connection: close`, and with `Authorization: Bearer <token>` when a token is
// given.
HttpReply http_get(int port, const std::string& target, const std::string& token = "");

// A TCP connection to 127.0.0.1:`port` that sends nothing: what a slow or hostile client holds.
class IdleConnection {
 public:
  explicit IdleConnection(int port);
  ~IdleConnection();
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Whether the server closed it within `timeout` (the read saw the end or a reset).
  bool closed_by_server_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace orch::testing
