#include "config/base/terminal_text.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>

namespace orch {
namespace {

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;  // 0: the byte at the position does not start valid UTF-8
};

// Decodes the UTF-8 sequence at `pos` (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF).
CodePoint decode(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) {
    return {lead, 1};
  }
  struct Form {
    std::uint8_t mask, pattern;  // the lead byte's marker bits
    std::size_t length;
    char32_t min;  // the smallest code point the form may carry (shorter forms are overlong)
  };
  static constexpr std::array<Form, 3> kForms = {
      Form{0xE0, 0xC0, 2, 0x80}, Form{0xF0, 0xE0, 3, 0x800}, Form{0xF8, 0xF0, 4, 0x10000}};
  const auto* form = std::find_if(kForms.begin(), kForms.end(),
                                  [lead](const Form& f) { return (lead & f.mask) == f.pattern; });
  if (form == kForms.end()) {
    return {};
  }
  const std::size_t length = form->length;
  const char32_t min = form->min;
  char32_t value = lead & static_cast<std::uint8_t>(~form->mask);
  if (pos + length > text.size()) {
    return {};
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return {};
    }
    value = (value << 6) | (byte(i) & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return {};
  }
  return {value, length};
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

}  // namespace

std::string escape_controls(std::string_view text) {
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
  if (plain) {
    return std::string(text);
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint c = decode(text, pos);
    const std::size_t length = c.length == 0 ? 1 : c.length;
    if (c.length == 0 || is_control(c.value)) {
      for (std::size_t i = pos; i < pos + length; ++i) {
        const auto b = static_cast<std::uint8_t>(text[i]);
        out += "\\x";
        out += kHex[b >> 4];
        out += kHex[b & 0xF];
      }
    } else {
      out.append(text, pos, length);
    }
    pos += length;
  }
  return out;
}

bool is_printable_utf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const CodePoint c = decode(text, pos);
    if (c.length == 0 || is_control(c.value)) {
      return false;
    }
    pos += c.length;
  }
  return true;
}

}  // namespace orch
