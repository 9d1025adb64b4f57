#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/base/ids.h"
#include "config/base/result.h"

// The process's logging facade. The interface is std-only, so that every folder may log; its
// implementation (config/log/log.cpp, library orch_log) writes through spdlog, so a target that
// logs links orch_log.
namespace orch::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };
// kJournal: the text form without its timestamp (the journal stamps each line) and with a syslog
// priority prefix, "<3>" for errors, so that `journalctl -p err` finds them.
enum class Format { kText, kJson, kJournal };

// One key=value pair of a structured log line. A value given as a whole number
// ({"duration_ms", 6}) is a number in the JSON form ("duration_ms":6); text is a string there
// ("team":"3"), even when it looks like a number. The text form writes both alike.
template <class T>
concept WholeNumber = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

struct Field {
  enum class Kind { kText, kNumber };

  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(v) {}
  Field(std::string k, const RunId& run) : key(std::move(k)), value(run.str()) {}
  template <WholeNumber T>
  Field(std::string k, T number)
      : key(std::move(k)), value(std::to_string(number)), kind(Kind::kNumber) {}

  std::string key;
  std::string value;
  Kind kind = Kind::kText;
};
using Fields = std::vector<Field>;

// Sets up the process-wide logger (stderr). Call once, early, from main; before that, lines go
// out in text form at info level. With Format::kJournal and a `journal_socket` (kJournalSocket,
// when stderr is the journal's stream), each entry goes to journald as native fields: PRIORITY,
// MESSAGE (the journal line without its prefix), SYSLOG_IDENTIFIER=orchestrator, EVENT (the
// message's name) and every field under its name in capitals (RUN_ID=, TEAM=, PIPELINE=,
// STATUS=); an entry the socket does not take goes to stderr as the prefixed line.
void init(Level level, Format format, const std::string& journal_socket = "");

Result<Level> parse_level(std::string_view text);

// Whether stderr is the systemd journal stream that `journal_stream` ($JOURNAL_STREAM,
// "DEVICE:INODE") names: a child of a service inherits the variable, not always the stream.
bool is_journal_stream(const std::string& journal_stream);

// Thread-safe. Text form: "2026-11-23T02:00:00.123Z info run_started run_id=... team=3";
// JSON form: {"ts":"...","level":"info","msg":"run_started","run_id":"...","team":"3"};
// journal form: "<6>info run_started run_id=... team=3".
void write(Level level, std::string_view message, const Fields& fields = {});

inline void info(std::string_view message, const Fields& fields = {}) {
  write(Level::kInfo, message, fields);
}
inline void warn(std::string_view message, const Fields& fields = {}) {
  write(Level::kWarn, message, fields);
}
inline void error(std::string_view message, const Fields& fields = {}) {
  write(Level::kError, message, fields);
}
inline void debug(std::string_view message, const Fields& fields = {}) {
  write(Level::kDebug, message, fields);
}

}  // namespace orch::log
