#include "tests/integration/notify/smtp_server_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>
#include <utility>

namespace orch::testing {
namespace {

void send_line(int connection, const std::string& line) {
  const std::string out = line + "\r\n";
  (void)::send(connection, out.data(), out.size(), MSG_NOSIGNAL);
}

// Waits for `fd` or the stop pipe; false when stopping or the peer is gone.
bool readable(int fd, int stop) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop, POLLIN, 0}};
  return ::poll(fds, 2, -1) > 0 && (fds[1].revents & POLLIN) == 0 && fds[0].revents != 0;
}

// Reads one line (without its CRLF) into `line`; false at the end of the session.
bool read_line(int connection, int stop, std::string& buffer, std::string& line) {
  while (buffer.find('\n') == std::string::npos) {
    char chunk[512];
    if (!readable(connection, stop)) {
      return false;
    }
    ssize_t n = ::recv(connection, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const auto end = buffer.find('\n');
  line = buffer.substr(0, end);
  buffer.erase(0, end + 1);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return true;
}

std::string verb(const std::string& line) {
  std::string out = line.substr(0, 4);
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

RefusingSmtpServer::RefusingSmtpServer(Step step, std::string reply)
    : step_(step), reply_(std::move(reply)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  auto* any = reinterpret_cast<sockaddr*>(&address);
  if (listener_ < 0 || ::bind(listener_, any, size) != 0 || ::listen(listener_, 8) != 0 ||
      ::getsockname(listener_, any, &size) != 0 || ::pipe(stop_) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

RefusingSmtpServer::~RefusingSmtpServer() {
  (void)::write(stop_[1], "x", 1);
  thread_.join();
  ::close(listener_);
  ::close(stop_[0]);
  ::close(stop_[1]);
}

void RefusingSmtpServer::serve() {
  while (readable(listener_, stop_[0])) {
    int connection = ::accept(listener_, nullptr, nullptr);
    if (connection >= 0) {
      session(connection);
      ::close(connection);
    }
  }
}

void RefusingSmtpServer::session(int connection) {
  send_line(connection, "220 refusing.test ESMTP");
  std::string buffer;
  std::string line;
  while (read_line(connection, stop_[0], buffer, line)) {
    const std::string command = verb(line);
    const bool refused =
        (command == "RCPT" && step_ == Step::kRcpt) || (command == "DATA" && step_ == Step::kData);
    if (refused) {
      ++refusals_;
      send_line(connection, reply_);
    } else if (command == "DATA") {
      send_line(connection, "354 end with <CRLF>.<CRLF>");
      while (read_line(connection, stop_[0], buffer, line) && line != ".") {
      }
      send_line(connection, "250 2.0.0 queued");
    } else if (command == "QUIT") {
      send_line(connection, "221 2.0.0 bye");
      return;
    } else {
      send_line(connection, "250 refusing.test");
    }
  }
}

}  // namespace orch::testing
