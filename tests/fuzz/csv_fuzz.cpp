// The example pipeline's CSV reader and loan checks: never a crash; records written back with
// the pipeline's own csv_field() read back the same; every data row is one loan, counted once,
// and the total of the good loans is a finite, non-negative sum.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/example/loan_tape.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using orch::example::Record;

// Records as the pipeline writes CSV. A record of one empty field is a blank line, which is no
// record, so it is left out; so is a leading field that starts with a BOM, which a reader skips.
bool writable(const std::vector<Record>& records) {
  for (const Record& r : records) {
    if (r.size() == 1 && r[0].empty()) {
      return false;
    }
  }
  return records.empty() || records[0].empty() || !records[0][0].starts_with("\xEF\xBB\xBF");
}

std::string write(const std::vector<Record>& records) {
  std::string out;
  for (const Record& r : records) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      out += (i == 0 ? "" : ",") + orch::example::csv_field(r[i]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<Record> records = orch::example::parse_csv(text);
  FUZZ_CHECK(orch::example::parse_csv(text) == records);
  for (const Record& r : records) {
    FUZZ_CHECK(!r.empty());
  }
  if (writable(records)) {
    FUZZ_CHECK(orch::example::parse_csv(write(records)) == records);
  }
  orch::example::TapeChecker checker;
  const auto summary = checker.check("tape.csv", records);
  const long rows = records.empty() ? 0 : static_cast<long>(records.size()) - 1;
  FUZZ_CHECK(summary.loans == rows);
  FUZZ_CHECK(summary.exceptions >= 0 && summary.exceptions <= summary.loans);
  FUZZ_CHECK(static_cast<long>(checker.loans().size()) == rows);
  FUZZ_CHECK(std::isfinite(summary.total_amount) && summary.total_amount >= 0);
  // The same tape again: every loan with an id is now a duplicate, so none is good.
  const auto second = checker.check("again.csv", records);
  FUZZ_CHECK(second.loans == rows);
  return 0;
}
