#include "orchestrator/api/http_server.h"

// Boost 1.74's Asio misses <utility> in C++20 (std::exchange); include it first.
#include <atomic>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "config/base/log.h"

namespace orch::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// On every answer. The API serves JSON and text: nothing may be framed, run as a script or
// sniffed into another type, no referrer leaves with a link, and no answer is kept. The
// dashboard's files set their own policy and caching, which are kept.
void add_security_headers(http::response<http::string_body>& response) {
  if (response.find("Content-Security-Policy") == response.end()) {
    response.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Frame-Options", "DENY");
  if (response.find(http::field::cache_control) == response.end()) {
    response.set(http::field::cache_control, "no-store");
  }
}

// What the sessions share with the server; outlives the io_context that runs them.
struct Shared {
  ServerLimits limits;
  Handler handler;
  std::atomic<std::size_t> connections{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    ++shared_.connections;
  }
  ~Session() { --shared_.connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  Session(Session&&) = delete;
  Session& operator=(Session&&) = delete;

  void start() { read(); }

  // Past max_connections: one 503, then the connection is closed.
  void refuse() { reply(problem(503, "too many connections: try again shortly"), After::kClose); }

 private:
  enum class After { kKeepAlive, kClose, kDrainAndClose };

  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.limits.max_header_bytes));
    parser_->body_limit(shared_.limits.max_body_bytes);
    stream_.expires_after(shared_.limits.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      close();
      return;
    }
    if (ec == http::error::body_limit) {
      reply(problem(413, "the request body is larger than " +
                             std::to_string(shared_.limits.max_body_bytes) + " bytes"),
            After::kDrainAndClose);
      return;
    }
    if (ec == http::error::header_limit) {
      reply(problem(431, "the request header is larger than " +
                             std::to_string(shared_.limits.max_header_bytes) + " bytes"),
            After::kDrainAndClose);
      return;
    }
    if (ec) {
      reply(problem(400, "malformed HTTP request: " + ec.message()), After::kDrainAndClose);
      return;
    }
    const auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.authorization = std::string(message[http::field::authorization]);
    request.if_none_match = std::string(message[http::field::if_none_match]);
    request.idempotency_key = std::string(message["Idempotency-Key"]);
    request.body = message.body();
    After after = message.keep_alive() ? After::kKeepAlive : After::kClose;
    auto target = message.target();
    if (auto parsed = parse_target(std::string_view(target.data(), target.size()), request);
        !parsed) {
      reply(problem(400, parsed.error().message), after);
      return;
    }
    HttpResponse response;
    try {
      response = shared_.handler(request);
    } catch (const std::exception& e) {
      // The last-resort boundary of one request: the server and the other requests go on.
      log::error("api_request_failed", {{"path", request.path}, {"reason", e.what()}});
      response = problem(500, "internal error");
    }
    reply(std::move(response), after);
  }

  void reply(HttpResponse response, After after) {
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) {
      message->set(name, value);
    }
    add_security_headers(*message);
    message->keep_alive(after == After::kKeepAlive);
    message->body() = std::move(response.body);
    message->prepare_payload();
    stream_.expires_after(shared_.limits.write_timeout);
    http::async_write(
        stream_, *message,
        [self = shared_from_this(), message, after](beast::error_code ec, std::size_t) {
          if (!ec && after == After::kKeepAlive) {
            self->read();
          } else if (!ec && after == After::kDrainAndClose) {
            self->drain();
          } else {
            self->close();
          }
        });
  }

  // After an answer to a request not read to its end (413, 431, 400): stop sending, then read
  // and discard what the client still sends for a moment. Closing with unread data would make
  // the kernel reset the connection, and the client could lose the answer before reading it.
  void drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drained_ = 0;
    drain_some();
  }

  void drain_some() {
    constexpr std::size_t kMaxDrained = 1 << 20;
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kMaxDrained) {
                                self->close();
                                return;
                              }
                              self->drain_some();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
};

Result<tcp::endpoint> resolve(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return invalid_argument("use HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    auto found =
        resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service);
    if (found.empty()) {
      return invalid_argument("no address for " + host);
    }
    return found.begin()->endpoint();
  } catch (const std::exception& e) {
    return invalid_argument(e.what());
  }
}

class BeastServer final : public HttpServer {
 public:
  BeastServer(const ServerLimits& limits, Handler handler) : acceptor_(io_) {
    shared_.limits = limits;
    shared_.handler = std::move(handler);
  }

  ~BeastServer() override {
    io_.stop();
    for (auto& thread : threads_) {
      thread.join();
    }
  }
  BeastServer(const BeastServer&) = delete;
  BeastServer& operator=(const BeastServer&) = delete;
  BeastServer(BeastServer&&) = delete;
  BeastServer& operator=(BeastServer&&) = delete;

  Status listen(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      // A restarted service may bind again at once, past connections in TIME_WAIT; Linux still
      // refuses a port another process listens on.
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return invalid_argument(ec.message());
    }
    local_ = acceptor_.local_endpoint(ec);
    accept();
    for (int i = 0; i < std::max(1, shared_.limits.threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return {};
  }

  std::string local_address() const override {
    std::string host = local_.address().to_string();
    if (local_.address().is_v6()) {
      host = "[" + host + "]";
    }
    return host + ":" + std::to_string(local_.port());
  }

 private:
  void accept() {
    // Each connection on a strand of its own: its reads, writes and timer never run at once,
    // while different connections are served by both threads.
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) {
        return;
      }
      if (ec) {
        // Out of descriptors, most likely: wait a moment instead of spinning on the error.
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec) {
            accept();
          }
        });
        return;
      }
      {
        bool over = shared_.connections.load() >= shared_.limits.max_connections;
        auto session = std::make_shared<Session>(std::move(s), shared_);
        if (over) {
          session->refuse();
        } else {
          session->start();
        }
      }
      accept();
    });
  }

  Shared shared_;  // declared first: destroyed after the io_context and the sessions it holds
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_{io_};
  tcp::endpoint local_;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& listen,
                                                      const ServerLimits& limits, Handler handler) {
  auto endpoint = resolve(listen);
  if (!endpoint) {
    return invalid_argument("api.listen = \"" + listen + "\": " + endpoint.error().message);
  }
  auto server = std::make_unique<BeastServer>(limits, std::move(handler));
  if (auto ok = server->listen(*endpoint); !ok) {
    return invalid_argument("api.listen = \"" + listen +
                            "\": cannot listen: " + ok.error().message);
  }
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace orch::api
