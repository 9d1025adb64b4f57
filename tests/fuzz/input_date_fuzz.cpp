// The date in input file names: never a crash; a date found is a real date of 1900-2999, and the
// name is exactly its pattern with the placeholder replaced by that date as YYYYMMDD or
// YYYY-MM-DD; the digits around it are not digits (a longer number is no date).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>

#include "config/base/time.h"
#include "pipeline/input_dates.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  // A file name never holds a NUL byte, which is why the placeholder is made of them.
  if (name.find('\0') != std::string_view::npos) {
    return 0;
  }
  auto dated = orch::pipeline::find_name_date(name);
  auto again = orch::pipeline::find_name_date(name);
  FUZZ_CHECK(dated.has_value() == again.has_value());
  if (!dated) {
    return 0;
  }
  FUZZ_CHECK(dated->date == again->date && dated->pattern == again->pattern);
  FUZZ_CHECK(dated->date.ok());
  FUZZ_CHECK(dated->date.year() >= date::year{1900} && dated->date.year() <= date::year{2999});
  const std::string& pattern = dated->pattern;
  const std::size_t at = pattern.find(orch::pipeline::kDatePlaceholder);
  FUZZ_CHECK(at != std::string::npos);
  const std::string dashed = orch::format_date(dated->date);
  std::string compact = dashed;
  std::erase(compact, '-');
  const std::string before = pattern.substr(0, at);
  const std::string after = pattern.substr(at + orch::pipeline::kDatePlaceholder.size());
  const bool as_dashed = name == before + dashed + after;
  const bool as_compact = name == before + compact + after;
  FUZZ_CHECK(as_dashed || as_compact);
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  FUZZ_CHECK(before.empty() || !is_digit(before.back()));
  FUZZ_CHECK(after.empty() || !is_digit(after.front()));
  return 0;
}
