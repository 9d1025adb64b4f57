#include "tests/support/time_values.h"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace orch::testing {

SysTime utc(const std::string& text) {
  auto t = parse_utc(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? *t : SysTime{};
}

const date::time_zone& zone(const std::string& name) {
  auto z = find_zone(name);
  if (!z) {
    ADD_FAILURE() << "no zone " << name;
    return *date::locate_zone("UTC");
  }
  return **z;
}

}  // namespace orch::testing
