#pragma once

#include <cstddef>
#include <string_view>

namespace orch {

// How many terminal columns `utf8` takes, as wcwidth(3) counts them in a UTF-8 locale, without
// depending on the process's locale: East Asian wide and fullwidth characters (CJK, Hangul,
// fullwidth forms, most emoji) take two, combining marks, zero-width characters and variation
// selectors none, everything else one. A byte that is not UTF-8 counts as one.
std::size_t display_width(std::string_view utf8);

}  // namespace orch
