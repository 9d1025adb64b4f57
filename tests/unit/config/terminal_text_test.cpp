#include "config/base/terminal_text.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orch {
namespace {

TEST(EscapeControls, ShowsControlsAndBytesThatAreNotUtf8AsHex) {
  struct Case {
    std::string text;
    std::string shown;
  };
  for (const auto& [text, shown] : std::vector<Case>{
           {"East", "East"},
           {"", ""},
           {"Zürich – Süd 東京 🚀", "Zürich – Süd 東京 🚀"},
           {"\x1b[31mRed\x1b[0m", "\\x1b[31mRed\\x1b[0m"},
           {"a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd"},
           {std::string("nul\0x", 5), "nul\\x00x"},
           {"del\x7f", "del\\x7f"},
           {"c1 \xc2\x9b"
            "31m",
            "c1 \\xc2\\x9b31m"},              // U+009B, CSI on some terminals
           {"\xc2\xa0nbsp", "\xc2\xa0nbsp"},  // U+00A0 is text
           {"Caf\xe9", "Caf\\xe9"},           // Latin-1, not UTF-8
           {"\xff\xfe", "\\xff\\xfe"},
           {"\xc0\xaf", "\\xc0\\xaf"},                    // overlong '/'
           {"\xed\xa0\x80", "\\xed\\xa0\\x80"},           // a surrogate
           {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},  // past U+10FFFF
           {"cut \xe2\x82", "cut \\xe2\\x82"},            // a sequence cut short
       }) {
    SCOPED_TRACE(::testing::PrintToString(text));
    EXPECT_EQ(escape_controls(text), shown);
    EXPECT_EQ(is_printable_utf8(text), shown == text);
  }
}

}  // namespace
}  // namespace orch
