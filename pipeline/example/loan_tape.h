#pragma once

// The loan tapes of the example pipeline: its CSV reader and the checks of each loan, apart from
// main.cpp so that they can be fuzzed and tested without files or an environment.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch::example {

using Record = std::vector<std::string>;

// A small RFC 4180 reader: comma-separated fields, optionally in double quotes (which may hold
// commas, newlines and doubled quotes ""); records end with \n or \r\n; a UTF-8 BOM is skipped.
// Blank lines are not records.
std::vector<Record> parse_csv(std::string_view text);

// `text` as one CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

// ASCII letters lowercased, other bytes kept.
std::string lower(std::string text);

// A plain decimal: optional sign, digits, optional fraction ("12", "-0.5", "1000.25", ".5").
// No exponents, hex, inf or thousands separators: a loan tape has none.
std::optional<double> parse_decimal(std::string_view text);

struct Loan {
  std::string file;
  std::string loan_id;
  std::string borrower;
  std::string amount;
  std::string reason;  // empty when the loan is ok
};

struct FileSummary {
  std::string name;
  std::int64_t loans = 0;
  std::int64_t exceptions = 0;
  double total_amount = 0;
};

class TapeChecker {
 public:
  // Checks every data row of one tape and adds its loans to the report.
  FileSummary check(const std::string& name, const std::vector<Record>& records);

  const std::vector<Loan>& loans() const { return loans_; }

 private:
  std::string check_row(const Loan& loan, const std::string& rate, const std::string& term);

  std::vector<Loan> loans_;
  std::map<std::string, std::string> seen_ids_;  // loan_id -> file it first appeared in
};

}  // namespace orch::example
