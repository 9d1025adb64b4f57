// Text parsers for environment values, and the message helpers the file and environment share.

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/config_internal.h"

namespace orch::config::internal {
namespace {

// Names indexed by date::weekday::c_encoding() (0 = Sunday).
constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

Result<std::vector<std::string>> parse_json_strings(std::string_view text) {
  // allow_exceptions = false: a syntax error comes back as a discarded value.
  auto json = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> items;
  if (!json.is_discarded() && json.is_array()) {
    for (const auto& item : json) {
      if (item.is_string()) {
        items.push_back(item.get<std::string>());
      }
    }
  }
  if (json.is_discarded() || !json.is_array() || items.size() != json.size()) {
    return invalid_argument(R"(use a JSON array of strings, e.g. ["python3", "job.py"])");
  }
  return items;
}

// Like a POSIX shell, minus expansions: '...' keeps everything, "..." keeps everything but \"
// and \\, and '' or "" is an empty word.
Result<std::vector<std::string>> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::optional<std::string> word;  // nullopt between words
  char open_quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (open_quote == 0 && std::isspace(static_cast<unsigned char>(c)) != 0) {
      if (word) {
        words.push_back(std::move(*word));
        word.reset();
      }
      continue;
    }
    if (!word) {
      word.emplace();
    }
    bool escaped = open_quote == '"' && c == '\\' && i + 1 < text.size() &&
                   (text[i + 1] == '"' || text[i + 1] == '\\');
    if (escaped) {
      *word += text[++i];
    } else if (open_quote == 0 && (c == '\'' || c == '"')) {
      open_quote = c;
    } else if (c == open_quote) {
      open_quote = 0;
    } else {
      *word += c;
    }
  }
  if (open_quote != 0) {
    return invalid_argument(
        "a quote is not closed; use words separated by spaces, quoted with ' or \", or a JSON "
        "array of strings");
  }
  if (word) {
    words.push_back(std::move(*word));
  }
  return words;
}

}  // namespace

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// config must not depend on pipeline/, whose parse_weekday reads the same names.
std::optional<date::weekday> parse_weekday(std::string_view name) {
  std::string lower = to_lower(name);
  for (unsigned i = 0; i < kWeekdayNames.size(); ++i) {
    if (lower == kWeekdayNames[i] || lower == kWeekdayNames[i].substr(0, 3)) {
      return date::weekday{i};
    }
  }
  return std::nullopt;
}

Result<bool> parse_bool(std::string_view text) {
  std::string lower = to_lower(text);
  for (std::string_view yes : {"true", "1", "yes", "on"}) {
    if (lower == yes) {
      return true;
    }
  }
  for (std::string_view no : {"false", "0", "no", "off"}) {
    if (lower == no) {
      return false;
    }
  }
  return invalid_argument("use true, false, 1, 0, yes, no, on or off");
}

Result<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return invalid_argument("use a whole number");
  }
  return value;
}

Result<std::vector<std::string>> parse_command_line(std::string_view text) {
  return text.starts_with('[') ? parse_json_strings(text) : split_words(text);
}

std::vector<std::string> split_comma_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    auto first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      out.emplace_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    }
  }
  return out;
}

std::optional<std::string> sqlite_path(std::string_view url) {
  for (std::string_view scheme : {"sqlite://", "sqlite:"}) {
    if (url.starts_with(scheme)) {
      return std::string(url.substr(scheme.size()));
    }
  }
  return std::nullopt;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          std::array<char, 8> hex{};
          std::snprintf(hex.data(), hex.size(), "\\u%04x", static_cast<unsigned char>(c));
          out += hex.data();
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string_view weekday_name(date::weekday day) {
  return kWeekdayNames[day.c_encoding()];
}

std::string_view level_name(log::Level level) {
  switch (level) {
    case log::Level::kTrace:
      return "trace";
    case log::Level::kDebug:
      return "debug";
    case log::Level::kInfo:
      return "info";
    case log::Level::kWarn:
      return "warn";
    case log::Level::kError:
      return "error";
    case log::Level::kOff:
      return "off";
  }
  return "info";
}

std::string_view format_name(log::Format format) {
  switch (format) {
    case log::Format::kJson:
      return "json";
    case log::Format::kJournal:
      return "journal";
    case log::Format::kText:
      break;
  }
  return "text";
}

std::string_view channel_name(Channel channel) {
  switch (channel) {
    case Channel::kLog:
      return "log";
    case Channel::kEmail:
      return "email";
    case Channel::kSlack:
      return "slack";
  }
  return "log";
}

bool is_bare_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '_' || c == '-';
  });
}

Error refusal(std::string message) {
  std::replace_if(
      message.begin(), message.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return invalid_argument(std::move(message));
}

Error not_allowed(const Setting& s, const Origin& origin, const std::string& shown_value,
                  const std::string& reason) {
  std::string where = std::string(s.key);
  where += origin.env.empty() ? " = " + shown_value + " in " + origin.file->string()
                              : " (" + std::string(origin.env) + ") = " + shown_value;
  return refusal("configuration: " + where + " is not allowed: " + reason);
}

std::string range_text(const Setting& s) {
  return "an integer from " + std::to_string(s.min) + " to " + std::to_string(s.max);
}

Status apply_setting(const Setting& s, const Result<Value>& value, Config& config) {
  if (!value) {
    return value.error();
  }
  if (s.kind == Kind::kInteger) {
    auto n = std::get<std::int64_t>(*value);
    if (n < s.min || n > s.max) {
      return invalid_argument("use " + range_text(s));
    }
  }
  return s.apply(*value, config);
}

}  // namespace orch::config::internal
