#include "orchestrator/core/pause_note.h"

#include <string>

#include "config/base/terminal_text.h"

namespace orch {

Status check_pause_note(std::string_view note) {
  if (note.empty() || note.size() > kMaxPauseNoteBytes) {
    return invalid_argument("a pause note is 1 to " + std::to_string(kMaxPauseNoteBytes) +
                            " bytes of text");
  }
  if (!is_printable_utf8(note)) {
    return invalid_argument("a pause note is UTF-8 text without control characters");
  }
  return {};
}

}  // namespace orch
