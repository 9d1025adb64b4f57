// orchestrator-example-pipeline: the pipeline bundled with the orchestrator, and a reference for
// the protocol a pipeline follows (docs/guide/pipelines.md, "The pipeline protocol"). It reads the
// CSV loan tapes listed in INPUT_MANIFEST, checks every loan, writes a per-loan report to
// OUTPUT_DIR, a summary to OUTPUT_SHARE_DIR and its metrics to RESULT_FILE.
//
// Exit codes: 0 when the run did its job (exception rows are findings, not failures); 2 when the
// environment is incomplete, an input cannot be read or an output cannot be written.
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/example/loan_tape.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using orch::example::csv_field;
using orch::example::FileSummary;
using orch::example::Loan;
using orch::example::lower;
using orch::example::parse_csv;
using orch::example::TapeChecker;

constexpr int kFailure = 2;

// Thrown for anything that stops the run; main() turns it into exit 2.
struct Fatal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Environment {
  std::string run_id;
  std::string team;  // empty for the general run
  std::string run_date;
  std::string purchase_date;
  fs::path input_dir;
  fs::path output_dir;
  fs::path share_dir;
  fs::path manifest;
  fs::path result_file;
};

bool is_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return false;
  }
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
  }
  return true;
}

Environment read_environment() {
  std::vector<std::string> missing;
  auto get = [&missing](const char* name, bool may_be_empty = false) {
    // Single-threaded, and nothing here sets the environment: getenv's race cannot happen.
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr || (*value == '\0' && !may_be_empty)) {
      missing.emplace_back(name);
      return std::string();
    }
    return std::string(value);
  };
  Environment env{get("RUN_ID"),           get("SALES_TEAM_ID", true), get("RUN_DATE"),
                  get("PURCHASE_DATE"),    get("INPUT_DIR"),           get("OUTPUT_DIR"),
                  get("OUTPUT_SHARE_DIR"), get("INPUT_MANIFEST"),      get("RESULT_FILE")};
  if (!missing.empty()) {
    std::string names;
    for (const auto& name : missing) {
      names += (names.empty() ? "" : ", ") + name;
    }
    throw Fatal("incomplete environment: missing " + names);
  }
  // The purchase date becomes part of file names: accept nothing but a date.
  if (!is_date(env.purchase_date)) {
    throw Fatal("PURCHASE_DATE is not a YYYY-MM-DD date: " + env.purchase_date);
  }
  return env;
}

std::string read_whole_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    throw Fatal("cannot read " + path.string());
  }
  return content;
}

double round_cents(double amount) {
  return std::round(amount * 100) / 100;
}

// Writes to a temporary name in the same folder, then renames: readers see the old file or the
// whole new one, never half of it.
void write_atomically(const fs::path& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path temp =
      path.parent_path() / ("." + path.filename().string() + ".tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      fs::remove(temp, ec);
      throw Fatal("cannot write " + path.string());
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw Fatal("cannot write " + path.string() + ": " + ec.message());
  }
}

// A manifest's names and paths are UTF-8 text: a byte of a name that is not UTF-8 is written
// "\xHH", a backslash "\\". This gives the bytes on disk back.
std::string unescape_file_name(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool escape = text[i] == '\\' && i + 1 < text.size();
    if (escape && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (escape && text[i + 1] == 'x' && i + 3 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0 &&
               std::isxdigit(static_cast<unsigned char>(text[i + 3])) != 0) {
      out += static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

// RESULT_FILE is read only once the pipeline has exited, and the sandbox lets a pipeline write
// that one file but make none beside it: it is written in place.
void write_in_place(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) {
    throw Fatal("cannot write " + path.string());
  }
}

// The manifest's CSV files, in its order, as (name, path); a relative path is taken from INPUT_DIR.
std::vector<std::pair<std::string, fs::path>> csv_inputs(const fs::path& manifest_path,
                                                         const fs::path& input_dir) {
  Json manifest;
  try {
    manifest = Json::parse(read_whole_file(manifest_path));
  } catch (const Json::exception& e) {
    throw Fatal("INPUT_MANIFEST " + manifest_path.string() + " is not valid JSON: " + e.what());
  }
  if (!manifest.is_array()) {
    throw Fatal("INPUT_MANIFEST " + manifest_path.string() + " is not a JSON array");
  }
  std::vector<std::pair<std::string, fs::path>> inputs;
  for (const auto& entry : manifest) {
    if (!entry.is_object() || !entry.contains("path") || !entry["path"].is_string()) {
      throw Fatal("INPUT_MANIFEST entry without a path: " + entry.dump());
    }
    const fs::path path = input_dir / unescape_file_name(entry["path"].get<std::string>());
    const std::string name = entry.value("name", path.filename().string());
    if (lower(path.extension().string()) == ".csv") {
      inputs.emplace_back(name, path);
    }
  }
  return inputs;
}

int run() {
  const Environment env = read_environment();
  std::cout << "example pipeline: run " << env.run_id << ", "
            << (env.team.empty() ? std::string("general run") : "team " + env.team)
            << ", purchase date " << env.purchase_date << std::endl;

  TapeChecker checker;
  std::vector<FileSummary> files;
  for (const auto& [name, path] : csv_inputs(env.manifest, env.input_dir)) {
    files.push_back(checker.check(name, parse_csv(read_whole_file(path))));
    std::cout << name << ": " << files.back().loans << " loans, " << files.back().exceptions
              << " exceptions" << std::endl;
  }

  std::string report = "file,loan_id,borrower,amount,status,reason\n";
  for (const Loan& loan : checker.loans()) {
    report += csv_field(loan.file) + "," + csv_field(loan.loan_id) + "," +
              csv_field(loan.borrower) + "," + csv_field(loan.amount) + "," +
              (loan.reason.empty() ? "ok" : "exception") + "," + csv_field(loan.reason) + "\n";
  }

  std::int64_t total_loans = 0;
  std::int64_t exceptions = 0;
  double total_amount = 0;
  Json per_file = Json::array();
  for (const FileSummary& file : files) {
    total_loans += file.loans;
    exceptions += file.exceptions;
    total_amount += file.total_amount;
    per_file.push_back({{"name", file.name},
                        {"loans", file.loans},
                        {"exceptions", file.exceptions},
                        {"total_amount", round_cents(file.total_amount)}});
  }
  const Json summary = {{"run_id", env.run_id},
                        {"sales_team_id", env.team.empty() ? Json(nullptr) : Json(env.team)},
                        {"run_date", env.run_date},
                        {"purchase_date", env.purchase_date},
                        {"files", per_file},
                        {"total_loans", total_loans},
                        {"exceptions_count", exceptions},
                        {"total_amount", round_cents(total_amount)}};
  const Json result = {{"total_loans", total_loans},
                       {"exceptions_count", exceptions},
                       {"total_amount", round_cents(total_amount)},
                       {"files", files.size()}};

  write_atomically(env.output_dir / ("loan_report_" + env.purchase_date + ".csv"), report);
  write_atomically(env.share_dir / ("summary_" + env.purchase_date + ".json"),
                   summary.dump(2) + "\n");
  write_in_place(env.result_file, result.dump() + "\n");
  std::cout << "total: " << total_loans << " loans, " << exceptions << " exceptions, amount "
            << round_cents(total_amount) << std::endl;
  return 0;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const Fatal& e) {
    std::cerr << "example pipeline: " << e.what() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "example pipeline: unexpected error: " << e.what() << std::endl;
  }
  return kFailure;
}
