#pragma once

#include <string>
#include <utility>
#include <vector>

namespace orch::log {

// Where journald listens for entries in its native protocol.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Sends entries to journald in its native protocol (systemd's "Native Journal Protocol"): one
// datagram per entry, a FIELD=value line per field, a value holding a newline in the protocol's
// binary form (name, newline, 64-bit little-endian length, value, newline). What libsystemd's
// sd_journal_send() does, without linking libsystemd into every binary that logs.
// Thread-safe: each entry is one sendto(2) on a datagram socket.
class JournalSocket {
 public:
  using Entry = std::vector<std::pair<std::string, std::string>>;

  explicit JournalSocket(std::string path);
  ~JournalSocket();
  JournalSocket(const JournalSocket&) = delete;
  JournalSocket& operator=(const JournalSocket&) = delete;
  JournalSocket(JournalSocket&&) = delete;
  JournalSocket& operator=(JournalSocket&&) = delete;

  // Whether journald took the entry. False when nothing listens at the path, or the entry is too
  // large for one datagram: the caller then writes it some other way.
  bool send(const Entry& entry) const;

  // FIELD=value lines as the protocol wants them (exposed for the tests of the encoding).
  static std::string encode(const Entry& entry);

 private:
  std::string path_;
  int fd_ = -1;
};

// A log field's key as a journal field name: capitals, digits and '_', not starting with '_' or
// a digit; a name the journal gives a meaning of its own (MESSAGE, PRIORITY, CODE_*, SYSLOG_*,
// ...) gets the prefix ORCH_. "run_id" -> "RUN_ID", "message" -> "ORCH_MESSAGE".
std::string journal_field_name(const std::string& key);

}  // namespace orch::log
