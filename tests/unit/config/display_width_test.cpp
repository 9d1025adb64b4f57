#include "config/base/display_width.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(DisplayWidth, CountsTerminalColumnsNotBytes) {
  struct Case {
    std::string text;
    std::size_t columns;
  };
  for (const auto& [text, columns] : std::vector<Case>{
           {"", 0},
           {"East", 4},
           {"Nörd", 4},          // precomposed ö: two bytes, one column
           {"No\xcc\x88rd", 4},  // o + U+0308 COMBINING DIAERESIS
           {"北京", 4},          // CJK ideographs are wide
           {"서울", 4},          // Hangul syllables
           {"ｶﾀｶﾅ", 4},          // halfwidth katakana: one column each
           {"ＡＢ", 4},          // fullwidth Latin
           {"🚀 ok", 5},          // an emoji takes two
           {"a\xe2\x80\x8b"
            "b",
            2},                              // U+200B ZERO WIDTH SPACE
           {"\xe2\x9d\xa4\xef\xb8\x8f", 1},  // U+2764 + VS16: the selector adds nothing
           {"Zürich – Süd", 12},
           {"\xff\xfe", 2},  // not UTF-8: a column per byte
       }) {
    SCOPED_TRACE(text);
    EXPECT_EQ(display_width(text), columns);
  }
}

}  // namespace
}  // namespace orch
