#include "config/base/journal_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace orch::log {

JournalSocket::JournalSocket(std::string path)
    : path_(std::move(path)), fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}

JournalSocket::~JournalSocket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

std::string JournalSocket::encode(const Entry& entry) {
  std::string out;
  for (const auto& [name, value] : entry) {
    out += name;
    if (value.find('\n') == std::string::npos) {
      out += '=';
      out += value;
    } else {
      out += '\n';
      std::uint64_t size = value.size();
      for (int i = 0; i < 8; ++i) {
        out += static_cast<char>((size >> (8 * i)) & 0xFF);
      }
      out += value;
    }
    out += '\n';
  }
  return out;
}

bool JournalSocket::send(const Entry& entry) const {
  sockaddr_un address{};
  if (fd_ < 0 || path_.size() >= sizeof(address.sun_path)) {
    return false;
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path_.data(), path_.size());
  const std::string datagram = encode(entry);
  // An entry larger than a datagram would go through a memfd in libsystemd; a log line that long
  // goes to stderr instead (EMSGSIZE), where the journal still takes it as a stream line.
  const ssize_t sent =
      ::sendto(fd_, datagram.data(), datagram.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&address),  // NOLINT: the sockets API
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size()));
  return sent == static_cast<ssize_t>(datagram.size());
}

std::string journal_field_name(const std::string& key) {
  std::string name;
  for (char c : key) {
    if (c >= 'a' && c <= 'z') {
      name += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      name += c;
    } else {
      name += '_';
    }
  }
  static constexpr std::array kTheJournals{
      "MESSAGE",    "MESSAGE_ID",    "PRIORITY",     "CODE_", "SYSLOG_",
      "ERRNO",      "DOCUMENTATION", "TID",          "UNIT",  "USER_UNIT",
      "OBJECT_PID", "COREDUMP",      "INVOCATION_ID"};
  bool reserved =
      name.empty() || name.front() == '_' || (name.front() >= '0' && name.front() <= '9');
  for (const char* word : kTheJournals) {
    const std::string_view w(word);
    reserved = reserved || (w.back() == '_' ? name.starts_with(w) : name == w);
  }
  return (reserved ? "ORCH_" : "") + name.substr(0, 59);
}

}  // namespace orch::log
