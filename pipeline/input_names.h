#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace orch::pipeline {

// A file name (any bytes but NUL and '/') written as valid UTF-8 that names exactly one file:
// a backslash becomes "\\", each byte that is not part of valid UTF-8 becomes "\xHH" (two
// lowercase hex digits), and everything else is kept. A name that is valid UTF-8 and has no
// backslash is unchanged.
std::string escape_file_name(std::string_view raw);

// The bytes escape_file_name() was given; std::nullopt when `escaped` is not such an escape
// (a lone backslash, "\x" without two hex digits, or an escaped byte that is valid UTF-8).
std::optional<std::string> unescape_file_name(std::string_view escaped);

}  // namespace orch::pipeline
