#include "config/base/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "config/base/journal_socket.h"
#include "config/base/terminal_text.h"
#include "config/base/time.h"

namespace orch::log {
namespace {

// What init() chose: set before any thread logs, and kept for the process's life.
struct Setup {
  std::atomic<Format> format{Format::kText};
  std::unique_ptr<JournalSocket> journal;
};

Setup& setup() {
  static Setup instance;
  return instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// syslog(3) priorities, as the journal reads them from a "<N>" prefix.
int syslog_priority(Level level) {
  switch (level) {
    case Level::kTrace:
    case Level::kDebug:
      return 7;
    case Level::kInfo:
      return 6;
    case Level::kWarn:
      return 4;
    case Level::kError:
    case Level::kOff:
      return 3;
  }
  return 6;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

// The process-wide logger: stderr, thread-safe. The line is formatted here rather than by an
// spdlog pattern, so that the JSON form is one valid object with the fields at the top level.
spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = std::make_shared<spdlog::logger>("orchestrator",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%v");
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *instance;
}

std::string now_utc() {
  return format_utc(
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

// `text` as a JSON string, quoted and escaped; invalid UTF-8 becomes U+FFFD rather than an error.
// Most values (ids, dates, numbers, statuses) are printable ASCII with nothing to escape and go
// as they are: nlohmann's serializer asks for the locale each time it is made.
std::string json_string(std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    std::string quoted;
    quoted.reserve(text.size() + 2);
    quoted += '"';
    quoted += text;
    quoted += '"';
    return quoted;
  }
  std::string quoted = nlohmann::json(text).dump(/*indent=*/-1, ' ', /*ensure_ascii=*/false,
                                                 nlohmann::json::error_handler_t::replace);
  // nlohmann escapes C0 controls but writes U+0080-U+009F as they are, and some terminals take
  // those for escape sequences (0x9B is CSI): they get \u escapes too.
  for (std::size_t pos = 0; (pos = quoted.find('\xC2', pos)) != std::string::npos;) {
    const auto next = pos + 1 < quoted.size() ? static_cast<unsigned char>(quoted[pos + 1]) : 0;
    if (next < 0x80 || next > 0x9F) {
      ++pos;
      continue;
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    const std::string escaped = {'\\', 'u', '0', '0', kHex[next >> 4], kHex[next & 0xF]};
    quoted.replace(pos, 2, escaped);
    pos += escaped.size();
  }
  return quoted;
}

// Quotes a text value when it has spaces or quotes, so that key=value lines stay parseable, and
// when it has control characters or bytes that are not UTF-8, so that a value (a team name, a
// pipeline's error) cannot drive the terminal of whoever reads the log.
std::string text_value(const std::string& value) {
  if (!value.empty() && value.find_first_of(" \"=\t\n") == std::string::npos &&
      is_printable_utf8(value)) {
    return value;
  }
  return json_string(value);
}

}  // namespace

void init(Level level, Format format, const std::string& journal_socket) {
  setup().format = format;
  setup().journal = format == Format::kJournal && !journal_socket.empty()
                        ? std::make_unique<JournalSocket>(journal_socket)
                        : nullptr;
  logger().set_level(to_spdlog(level));
}

Result<Level> parse_level(std::string_view text) {
  for (Level l :
       {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    if (text == level_name(l)) {
      return l;
    }
  }
  return invalid_argument("log level '" + std::string(text) +
                          "' is not allowed: use trace, debug, info, warn, error or off");
}

bool is_journal_stream(const std::string& journal_stream) {
  struct stat st {};
  if (journal_stream.empty() || ::fstat(STDERR_FILENO, &st) != 0) {
    return false;
  }
  return journal_stream == std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

void write(Level level, std::string_view message, const Fields& fields) {
  auto& l = logger();
  if (!l.should_log(to_spdlog(level))) {
    return;
  }
  std::string line;
  if (setup().format.load() == Format::kJson) {
    // Written member by member: building an ordered_json first was most of a line's cost.
    line = R"({"ts":")" + now_utc() + R"(","level":")" + level_name(level) + R"(","msg":)";
    line += json_string(message);
    for (const Field& field : fields) {
      line += ',';
      line += json_string(field.key);
      line += ':';
      line += field.kind == Field::Kind::kNumber ? field.value : json_string(field.value);
    }
    line += '}';
  } else {
    const bool journal = setup().format.load() == Format::kJournal;
    line = std::string(level_name(level)) + " " + std::string(message);
    for (const Field& field : fields) {
      line += " " + field.key + "=" + text_value(field.value);
    }
    if (journal && setup().journal) {
      JournalSocket::Entry entry{{"PRIORITY", std::to_string(syslog_priority(level))},
                                 {"SYSLOG_IDENTIFIER", "orchestrator"},
                                 {"MESSAGE", line},
                                 {"EVENT", std::string(message)}};
      for (const Field& field : fields) {
        entry.emplace_back(journal_field_name(field.key), field.value);
      }
      if (setup().journal->send(entry)) {
        return;
      }
    }
    line = (journal ? "<" + std::to_string(syslog_priority(level)) + ">" : now_utc() + " ") + line;
  }
  l.log(to_spdlog(level), "{}", line);
}

}  // namespace orch::log
