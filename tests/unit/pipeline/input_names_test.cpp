#include "pipeline/input_names.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace orch::pipeline {
namespace {

TEST(InputNames, EscapesOnlyBackslashesAndBytesThatAreNotUtf8) {
  struct Case {
    std::string raw;
    std::string escaped;
  };
  const std::vector<Case> cases = {
      {"loans.csv", "loans.csv"},
      {"caf\xc3\xa9_\xe2\x82\xac.csv", "caf\xc3\xa9_\xe2\x82\xac.csv"},  // é and €: valid UTF-8
      {"loans_\xff.csv", "loans_\\xff.csv"},
      {"a\\b.csv", "a\\\\b.csv"},
      {"a\\xff.csv", "a\\\\xff.csv"},                // the text "\xff", not the byte
      {"\xc3.csv", "\\xc3.csv"},                     // a lead byte without its continuation
      {"\xc0\xaf", "\\xc0\\xaf"},                    // an overlong "/"
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},           // a surrogate
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},  // above U+10FFFF
      {"\xf0\x9f\x99\x82", "\xf0\x9f\x99\x82"},      // an emoji, four bytes
      {"tab\there", "tab\there"},                    // control characters are JSON's to escape
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.escaped);
    EXPECT_EQ(escape_file_name(c.raw), c.escaped);
    EXPECT_EQ(unescape_file_name(c.escaped), c.raw);
  }
}

TEST(InputNames, EveryByteStringRoundTrips) {
  // Every single byte and every pair of bytes (but NUL and '/', which no name holds).
  for (int a = 1; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      std::string raw(1, static_cast<char>(a));
      if (b > 0) {
        raw += static_cast<char>(b);
      }
      if (raw.find('/') != std::string::npos) {
        continue;
      }
      ASSERT_EQ(unescape_file_name(escape_file_name(raw)), raw) << a << " " << b;
    }
  }
}

TEST(InputNames, RefusesWhatNoNameEscapesTo) {
  for (const char* bad : {"a\\", "a\\b", "\\x4", "\\xg0", "\\xFF", "\\x41", "\\xc3\\xa9"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(unescape_file_name(bad), std::nullopt);
  }
}

}  // namespace
}  // namespace orch::pipeline
