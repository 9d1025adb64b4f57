#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace orch::testing {
namespace {

using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int wait_readable(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
}

// The reply in `data` when it is complete: the header and Content-Length bytes of body.
std::optional<HttpReply> parse(const std::string& data, bool at_end) {
  auto end = data.find("\r\n\r\n");
  if (end == std::string::npos) {
    return std::nullopt;
  }
  HttpReply reply;
  auto first = data.find("\r\n");
  std::string status_line = data.substr(0, first);
  auto space = status_line.find(' ');
  if (space == std::string::npos) {
    return std::nullopt;
  }
  reply.status = std::atoi(status_line.c_str() + space + 1);
  std::size_t at = first + 2;
  while (at < end) {
    auto eol = data.find("\r\n", at);
    std::string line = data.substr(at, eol - at);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[name] = value;
    }
    at = eol + 2;
  }
  std::string body = data.substr(end + 4);
  auto length = reply.headers.find("content-length");
  if (length != reply.headers.end()) {
    auto want = static_cast<std::size_t>(std::stoull(length->second));
    if (body.size() < want) {
      return std::nullopt;
    }
    body.resize(want);
  } else if (!at_end) {
    return std::nullopt;
  }
  reply.body = std::move(body);
  return reply;
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpReply http_exchange(int port, const std::string& raw, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int fd = connect_to(port);
  if (fd < 0) {
    return {};
  }
  // A send that fails part-way (the server answered and closed early, e.g. 413) still leaves
  // its answer to read.
  for (std::size_t sent = 0; sent < raw.size();) {
    auto n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string data;
  char buffer[65536];
  std::optional<HttpReply> reply;
  while (!reply && wait_readable(fd, deadline) > 0) {
    auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      reply = parse(data, true);
      break;
    }
    data.append(buffer, static_cast<std::size_t>(n));
    reply = parse(data, false);
  }
  ::close(fd);
  return reply.value_or(HttpReply{});
}

HttpReply http_get(int port, const std::string& target, const std::string& token) {
  std::string raw = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) {
    raw += "Authorization: Bearer " + token + "\r\n";
  }
  raw += "\r\n";
  return http_exchange(port, raw);
}

IdleConnection::IdleConnection(int port) : fd_(connect_to(port)) {}

IdleConnection::~IdleConnection() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool IdleConnection::closed_by_server_within(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buffer[256];
  while (wait_readable(fd_, deadline) > 0) {
    auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      return true;
    }
  }
  return false;
}

}  // namespace orch::testing
