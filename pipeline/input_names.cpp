#include "pipeline/input_names.h"

#include <cstddef>

namespace orch::pipeline {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

// The length of the valid UTF-8 sequence that starts at `pos`, or 0 when the byte there does not
// start one. Valid as RFC 3629 says: no overlong forms, no surrogates, nothing above U+10FFFF.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    return 1;
  }
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range the second byte must lie in
  unsigned char high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    low = lead == 0xe0 ? 0xa0 : 0x80;   // overlong
    high = lead == 0xed ? 0x9f : 0xbf;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    low = lead == 0xf0 ? 0x90 : 0x80;   // overlong
    high = lead == 0xf4 ? 0x8f : 0xbf;  // above U+10FFFF
  } else {
    return 0;
  }
  if (pos + length > text.size() || byte(pos + 1) < low || byte(pos + 1) > high) {
    return 0;
  }
  for (std::size_t i = pos + 2; i < pos + length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) {
      return 0;
    }
  }
  return length;
}

std::optional<unsigned> hex_value(char c) {
  std::size_t at = kHexDigits.find(c);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  return static_cast<unsigned>(at);
}

}  // namespace

std::string escape_file_name(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t pos = 0; pos < raw.size();) {
    if (raw[pos] == '\\') {
      out += "\\\\";
      ++pos;
      continue;
    }
    std::size_t length = utf8_sequence_length(raw, pos);
    if (length == 0) {
      const auto b = static_cast<unsigned char>(raw[pos]);
      out += "\\x";
      out += kHexDigits[b >> 4];
      out += kHexDigits[b & 0x0f];
      ++pos;
      continue;
    }
    out.append(raw.substr(pos, length));
    pos += length;
  }
  return out;
}

std::optional<std::string> unescape_file_name(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  for (std::size_t pos = 0; pos < escaped.size();) {
    if (escaped[pos] != '\\') {
      out += escaped[pos++];
      continue;
    }
    if (pos + 1 < escaped.size() && escaped[pos + 1] == '\\') {
      out += '\\';
      pos += 2;
      continue;
    }
    if (pos + 3 >= escaped.size() || escaped[pos + 1] != 'x') {
      return std::nullopt;
    }
    auto high = hex_value(escaped[pos + 2]);
    auto low = hex_value(escaped[pos + 3]);
    if (!high || !low) {
      return std::nullopt;
    }
    out += static_cast<char>((*high << 4) | *low);
    pos += 4;
  }
  // Only bytes that were not valid UTF-8 are escaped: anything else is another spelling of a
  // name, and a name must have one.
  if (escape_file_name(out) != escaped) {
    return std::nullopt;
  }
  return out;
}

}  // namespace orch::pipeline
