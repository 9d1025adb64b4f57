#include "pipeline/example/loan_tape.h"

#include <cstdlib>
#include <utility>

namespace orch::example {
namespace {

// No loan is this large; above it a tape's total could grow to infinity ("9999...9" has 400
// digits), and the summary would print "inf".
constexpr double kLargestAmount = 1e15;

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return "";
  }
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

bool is_positive_integer(std::string_view text) {
  if (text.empty() || text.size() > 9) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return std::stol(std::string(text)) > 0;
}

}  // namespace

std::vector<Record> parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  std::vector<Record> records;
  Record record;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    if (field_started || !record.empty()) {
      end_field();
      records.push_back(std::move(record));
    }
    record.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_record();
    } else if (c != '\r') {
      field += c;
      field_started = true;
    }
  }
  end_record();
  return records;
}

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return text;
}

std::optional<double> parse_decimal(std::string_view text) {
  std::size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  std::size_t digits = 0;
  bool point = false;
  for (std::size_t j = i; j < text.size(); ++j) {
    if (text[j] >= '0' && text[j] <= '9') {
      ++digits;
    } else if (text[j] == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0) {
    return std::nullopt;
  }
  return std::strtod(std::string(text).c_str(), nullptr);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    return text;
  }
  std::string quoted = "\"";
  for (char c : text) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

FileSummary TapeChecker::check(const std::string& name, const std::vector<Record>& records) {
  FileSummary summary{name};
  if (records.empty()) {
    return summary;
  }
  std::map<std::string, std::size_t> columns;
  for (std::size_t i = 0; i < records[0].size(); ++i) {
    columns.emplace(lower(trim(records[0][i])), i);
  }
  std::string missing_columns;
  for (const char* required : {"loan_id", "borrower", "amount"}) {
    if (columns.count(required) == 0) {
      missing_columns +=
          std::string(missing_columns.empty() ? "" : "; ") + "missing column " + required;
    }
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    auto field = [&](const char* column) {
      const auto found = columns.find(column);
      return found == columns.end() || found->second >= records[r].size()
                 ? std::string()
                 : trim(records[r][found->second]);
    };
    Loan loan{name, field("loan_id"), field("borrower"), field("amount"), missing_columns};
    if (missing_columns.empty()) {
      loan.reason = check_row(loan, field("rate"), field("term_months"));
    }
    ++summary.loans;
    if (loan.reason.empty()) {
      summary.total_amount += *parse_decimal(loan.amount);
    } else {
      ++summary.exceptions;
    }
    loans_.push_back(std::move(loan));
  }
  return summary;
}

std::string TapeChecker::check_row(const Loan& loan, const std::string& rate,
                                   const std::string& term) {
  std::vector<std::string> reasons;
  if (loan.loan_id.empty()) {
    reasons.emplace_back("missing loan_id");
  }
  if (loan.borrower.empty()) {
    reasons.emplace_back("missing borrower");
  }
  if (loan.amount.empty()) {
    reasons.emplace_back("missing amount");
  } else if (auto amount = parse_decimal(loan.amount); !amount || *amount <= 0) {
    reasons.emplace_back("amount is not a positive number");
  } else if (*amount > kLargestAmount) {
    reasons.emplace_back("amount is over 1000000000000000");
  }
  if (auto value = parse_decimal(rate); !rate.empty() && (!value || *value < 0 || *value > 100)) {
    reasons.emplace_back("rate is not a number between 0 and 100");
  }
  if (!term.empty() && !is_positive_integer(term)) {
    reasons.emplace_back("term_months is not a positive integer");
  }
  if (!loan.loan_id.empty()) {
    if (auto [seen, first] = seen_ids_.emplace(loan.loan_id, loan.file); !first) {
      reasons.emplace_back("duplicate loan_id (first seen in " + seen->second + ")");
    }
  }
  std::string joined;
  for (const auto& reason : reasons) {
    joined += (joined.empty() ? "" : "; ") + reason;
  }
  return joined;
}

}  // namespace orch::example
