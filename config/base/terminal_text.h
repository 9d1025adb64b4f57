#pragma once

#include <string>
#include <string_view>

namespace orch {

// Text that came from people or from the database (team names, errors, paths), made safe to
// print on a terminal: control characters (C0, DEL and the C1 range U+0080-U+009F, which
// terminals read as escape sequences) and bytes that are not UTF-8 are shown as "\xNN", one per
// byte ("\x1b" for ESC). Printable text, UTF-8 included, is returned as it is.
std::string escape_controls(std::string_view text);

// Whether `text` is valid UTF-8 with no control character: what a team name must be.
bool is_printable_utf8(std::string_view text);

}  // namespace orch
