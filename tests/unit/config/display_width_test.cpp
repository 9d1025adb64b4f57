#include "config/base/display_width.h"

#include <locale.h>
#include <wchar.h>

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

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (c >> 18));
    s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
  }
  return s;
}

// glibc's wcwidth(3) in a UTF-8 locale is what terminals on Debian are built with: every
// character it draws two columns wide is two columns here, and every other one is not.
TEST(DisplayWidth, AgreesWithGlibcOnWhichCharactersAreWide) {
  locale_t utf8_locale = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  ASSERT_NE(utf8_locale, nullptr);
  locale_t previous = ::uselocale(utf8_locale);
  int checked = 0;
  std::vector<std::string> differ;
  for (char32_t c = 0xA0; c < 0x40000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) {
      continue;  // surrogates are not characters
    }
    const int glibc = ::wcwidth(static_cast<wchar_t>(c));
    if (glibc < 0) {
      continue;  // unassigned
    }
    ++checked;
    if ((glibc == 2) != (display_width(utf8(c)) == 2) && differ.size() < 20) {
      differ.push_back(std::to_string(static_cast<unsigned>(c)));
    }
  }
  ::uselocale(previous);
  ::freelocale(utf8_locale);
  EXPECT_GT(checked, 100'000);
  EXPECT_TRUE(differ.empty()) << ::testing::PrintToString(differ);
}

}  // namespace
}  // namespace orch
