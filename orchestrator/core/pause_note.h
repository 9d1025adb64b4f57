#pragma once

#include <string_view>

#include "config/base/result.h"

namespace orch {

// The longest pause note, in bytes.
inline constexpr std::size_t kMaxPauseNoteBytes = 500;

// Whether `note` may be kept as a pause note: 1 to kMaxPauseNoteBytes bytes of UTF-8 text
// without control characters (it is shown in tables, the API and the dashboard). Fails with
// kInvalidArgument saying what is allowed, without naming where it came from.
Status check_pause_note(std::string_view note);

}  // namespace orch
