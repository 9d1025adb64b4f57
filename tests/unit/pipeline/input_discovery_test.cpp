#include "pipeline/input_discovery.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/input_names.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::TempDir;
using orch::testing::write_file;

Date ymd(int y, unsigned m, unsigned d) {
  return Date{date::year(y), date::month(m), date::day(d)};
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

// Team 3's input tree in a temp folder; the run date is Friday 2026-11-20 unless a test says not.
class InputDiscoveryTest : public ::testing::Test {
 protected:
  fs::path root() const { return tmp_ / "sales_team_3"; }
  fs::path folder() const { return root() / "files_required"; }

  void add(const std::string& name, const std::string& content = "x") {
    write_file(folder() / name, content);
  }

  // A request for the run folder's next snapshot: each discovery makes a folder of its own.
  DiscoveryRequest request(Date run_date = ymd(2026, 11, 20),
                           std::vector<std::string> required = {}) const {
    DiscoveryRequest r;
    r.folder = folder();
    r.tree_root = root();
    r.run_date = run_date;
    r.required = std::move(required);
    r.snapshot_dir = tmp_ / ("run_" + std::to_string(++snapshots_)) / "inputs";
    fs::create_directories(r.snapshot_dir.parent_path());
    return r;
  }

  Result<std::vector<InputFile>> discover(Date run_date = ymd(2026, 11, 20),
                                          std::vector<std::string> required = {}) const {
    return discover_inputs(request(run_date, std::move(required)));
  }

  // The snapshot folder of the last discovery.
  fs::path last_snapshot() const { return tmp_ / ("run_" + std::to_string(snapshots_)) / "inputs"; }

  // The names discovered, comma-separated, or the error message.
  std::string names(Date run_date = ymd(2026, 11, 20)) const {
    auto found = discover(run_date);
    if (!found) {
      return "error: " + found.error().message;
    }
    std::vector<std::string> out;
    for (const InputFile& f : *found) {
      out.push_back(f.name);
    }
    return join(out);
  }

  TempDir tmp_;
  mutable int snapshots_ = 0;
};

TEST_F(InputDiscoveryTest, ListsRegularFilesSortedByName) {
  add("payments.csv");
  add("loans.csv");
  add("customers.json");
  EXPECT_EQ(names(), "customers.json,loans.csv,payments.csv");
}

TEST_F(InputDiscoveryTest, AnEmptyFolderHasNoInputs) {
  fs::create_directories(folder());
  EXPECT_EQ(names(), "");
}

TEST_F(InputDiscoveryTest, IgnoresHiddenPartialFilesAndFolders) {
  add("loans.csv");
  for (const char* name : {".hidden.csv", ".~lock.loans.csv#", "loans.csv.tmp", "upload.part",
                           "big.csv.partial", "fees.csv.crdownload", "loans.csv~"}) {
    add(name);
  }
  add("archive/old_loans.csv");  // not recursive
  fs::create_directories(folder() / "empty_folder.csv");
  EXPECT_EQ(names(), "loans.csv");
}

TEST_F(InputDiscoveryTest, KeepsTheNewestDatedFileOfEachPattern) {
  add("loans_20261118.csv");
  add("loans_20261119.csv");
  add("fees_2026-11-01.csv");
  add("fees_2026-11-15.csv");
  add("loans_20261119_eu.csv");  // another pattern: "loans_<date>_eu.csv"
  EXPECT_EQ(names(), "fees_2026-11-15.csv,loans_20261119.csv,loans_20261119_eu.csv");
}

TEST_F(InputDiscoveryTest, IgnoresFilesDatedAfterTheRunDate) {
  add("loans_20261119.csv");
  add("loans_20261120.csv");
  add("loans_20261121.csv");
  add("fees_2026-12-01.csv");
  EXPECT_EQ(names(ymd(2026, 11, 20)), "loans_20261120.csv");
  EXPECT_EQ(names(ymd(2026, 11, 19)), "loans_20261119.csv");
  EXPECT_EQ(names(ymd(2026, 11, 18)), "");
  EXPECT_EQ(names(ymd(2027, 1, 1)), "fees_2026-12-01.csv,loans_20261121.csv");
}

TEST_F(InputDiscoveryTest, KeepsUndatedFilesWhateverTheRunDate) {
  add("customers.csv");
  add("loans_20261119.csv");
  EXPECT_EQ(names(ymd(2026, 11, 20)), "customers.csv,loans_20261119.csv");
  EXPECT_EQ(names(ymd(2000, 1, 1)), "customers.csv");
}

TEST_F(InputDiscoveryTest, RecognisesOnlyRealDatesAsDates) {
  struct Case {
    std::vector<std::string> files;
    std::string expected;  // run date 2026-11-20
  };
  const std::vector<Case> cases = {
      // Both forms of one date make one pattern.
      {{"loans_20261119.csv", "loans_2026-11-20.csv"}, "loans_2026-11-20.csv"},
      {{"20261118.csv", "20261119.csv"}, "20261119.csv"},
      {{"2026-11-18", "2026-11-19"}, "2026-11-19"},
      // Part of a longer run of digits: not dates, so both are kept.
      {{"batch_202611181.csv", "batch_202611191.csv"}, "batch_202611181.csv,batch_202611191.csv"},
      {{"id_120261118.csv", "id_120261119.csv"}, "id_120261118.csv,id_120261119.csv"},
      {{"x_2026-11-181.csv", "x_2026-11-191.csv"}, "x_2026-11-181.csv,x_2026-11-191.csv"},
      // Not valid dates, or out of the 1900-2999 range.
      {{"ref_20261332.csv", "ref_20261131.csv"}, "ref_20261131.csv,ref_20261332.csv"},
      {{"old_18991231.csv", "old_18991230.csv"}, "old_18991230.csv,old_18991231.csv"},
      {{"n_30001118.csv", "n_30001119.csv"}, "n_30001118.csv,n_30001119.csv"},
      // The first date in the name is the one that counts.
      {{"loans_20261119_to_20261231.csv", "loans_20261118_to_20261231.csv"},
       "loans_20261119_to_20261231.csv"},
      // An invalid candidate is skipped and a later real date is used.
      {{"v99999999_loans_20261117.csv", "v99999999_loans_20261118.csv"},
       "v99999999_loans_20261118.csv"},
      {{"loans_2026-02-29.csv", "loans_2028-02-29.csv"}, "loans_2026-02-29.csv"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(join(c.files));
    fs::remove_all(folder());
    fs::create_directories(folder());
    for (const std::string& file : c.files) {
      add(file);
    }
    EXPECT_EQ(names(), c.expected);
  }
}

TEST_F(InputDiscoveryTest, FailsWhenARequiredPatternMatchesNothing) {
  add("fees.csv");
  add("customers.csv");
  auto found = discover(ymd(2026, 11, 20), {"fees.csv", "loans_*.csv"});
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(found.error().message,
            "required input \"loans_*.csv\" not found in " + folder().string());
}

TEST_F(InputDiscoveryTest, SaysWhenARequiredInputIsOnlyDatedAfterTheRun) {
  add("loans_20261121.csv");
  auto found = discover(ymd(2026, 11, 20), {"loans_*.csv"});
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().message, "required input \"loans_*.csv\" not found in " +
                                       folder().string() +
                                       " (loans_20261121.csv is dated after the run date "
                                       "2026-11-20)");
}

TEST_F(InputDiscoveryTest, RequiredPatternsAreGlobsOverTheSelectedFiles) {
  add("loans_20261119.csv");
  add("fees.csv");
  add("loans.csv.part");
  struct Case {
    std::string pattern;
    bool found;
  };
  const std::vector<Case> cases = {
      {"loans_*.csv", true}, {"loans_2026111?.csv", true},
      {"fees.csv", true},    {"*.csv", true},
      {"[fg]ees.csv", true}, {"loans_20261118.csv", false},
      {"loans.csv*", false}, {"*.json", false},
      {"FEES.csv", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pattern);
    auto found = discover(ymd(2026, 11, 20), {c.pattern});
    EXPECT_EQ(static_cast<bool>(found), c.found) << (found ? "" : found.error().message);
  }
}

TEST_F(InputDiscoveryTest, AMissingFolderIsUnavailable) {
  auto found = discover();
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(found.error().message, "input folder " + folder().string() + " does not exist");
}

TEST_F(InputDiscoveryTest, HashesContentWithSha256) {
  struct Case {
    std::string name;
    std::string content;
    std::string sha256;
  };
  const std::vector<Case> cases = {
      {"abc.txt", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"empty.txt", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      // Larger than one 64 KiB chunk, and not a multiple of it.
      {"million_a.txt", std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const Case& c : cases) {
    add(c.name, c.content);
  }
  auto found = discover();
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const InputFile& file = (*found)[i];
    EXPECT_EQ(
        file.name + " " + file.sha256.value_or("-") + " " + std::to_string(file.size),
        cases[i].name + " " + cases[i].sha256 + " " + std::to_string(cases[i].content.size()));
  }
}

TEST_F(InputDiscoveryTest, RecordsAbsolutePathSizeAndModificationTime) {
  add("loans.csv", "id,amount\n1,100\n");
  // 2026-11-20T08:30:00.250Z
  const std::array<timespec, 2> times = {{{1795163400, 250000000}, {1795163400, 250000000}}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (folder() / "loans.csv").c_str(), times.data(), 0), 0);
  auto found = discover();
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1U);
  const InputFile& f = found->front();
  EXPECT_EQ(f.path, last_snapshot() / "loans.csv");
  EXPECT_TRUE(f.path.is_absolute());
  EXPECT_EQ(f.size, 16U);
  EXPECT_EQ(format_utc(f.modified), "2026-11-20T08:30:00.250Z");
}

TEST_F(InputDiscoveryTest, AcceptsASymlinkedInputInsideTheTree) {
  write_file(root() / "archive/loans_20261119.csv", "abc");
  fs::create_directories(folder());
  fs::create_symlink("../archive/loans_20261119.csv", folder() / "loans_20261119.csv");
  auto found = discover();
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->size(), 1U);
  EXPECT_EQ(found->front().path, last_snapshot() / "loans_20261119.csv");
  EXPECT_EQ(found->front().sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(InputDiscoveryTest, RefusesASymlinkedInputLeadingOutsideTheTree) {
  write_file(tmp_ / "sales_team_4/files_required/loans.csv", "team 4's data");
  add("fees.csv");
  fs::create_symlink("../../sales_team_4/files_required/loans.csv", folder() / "loans.csv");
  auto found = discover();
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(found.error().message.find((folder() / "loans.csv").string()), std::string::npos)
      << found.error().message;
  EXPECT_NE(found.error().message.find("refused"), std::string::npos);
}

TEST_F(InputDiscoveryTest, RefusesAnInputFolderLinkedOutsideTheTree) {
  write_file(tmp_ / "elsewhere/loans.csv", "x");
  fs::create_directories(root());
  fs::create_directory_symlink(tmp_ / "elsewhere", folder());
  auto found = discover();
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(InputDiscoveryTest, IgnoresADanglingSymlink) {
  add("loans.csv");
  fs::create_symlink("/nonexistent/loans_20261119.csv", folder() / "loans_20261119.csv");
  EXPECT_EQ(names(), "loans.csv");
}

TEST(ManifestJson, ParsesAndHasEveryFieldSortedByName) {
  std::vector<InputFile> inputs(2);
  inputs[0] = {"loans.csv", "/x/sales_team_3/files_required/loans.csv", 16,
               SysTime(std::chrono::milliseconds(1795163400250)), "ab12"};
  inputs[1] = {"fees.csv", "/x/sales_team_3/files_required/fees.csv", 0,
               SysTime(std::chrono::milliseconds(0)), "cd34"};
  auto json = nlohmann::json::parse(manifest_json(inputs));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2U);
  EXPECT_EQ(json[0]["name"], "fees.csv");
  EXPECT_EQ(json[0]["modified"], "1970-01-01T00:00:00.000Z");
  const auto& loans = json[1];
  EXPECT_EQ(loans["name"], "loans.csv");
  EXPECT_EQ(loans["path"], "/x/sales_team_3/files_required/loans.csv");
  EXPECT_EQ(loans["size"], 16);
  EXPECT_EQ(loans["modified"], "2026-11-20T08:30:00.250Z");
  EXPECT_EQ(loans["sha256"], "ab12");
  EXPECT_EQ(loans.size(), 5U);
}

TEST(ManifestJson, OfNoInputsIsAnEmptyArray) {
  EXPECT_EQ(manifest_json({}), "[]");
}

TEST(ManifestJson, NamesAFileWhoseNameIsNotUtf8SoThatItRoundTrips) {
  std::vector<InputFile> inputs(1);
  inputs[0].name = "loans_\xff\\x.csv";
  inputs[0].path = "/runs/r1/inputs/loans_\xff\\x.csv";
  auto json = nlohmann::json::parse(manifest_json(inputs));
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json[0]["name"], "loans_\\xff\\\\x.csv");
  EXPECT_EQ(unescape_file_name(json[0]["name"].get<std::string>()), inputs[0].name);
  EXPECT_EQ(unescape_file_name(json[0]["path"].get<std::string>()), inputs[0].path.string());
}

TEST(ManifestJson, LeavesOutTheHashWhenInputsAreNotHashed) {
  std::vector<InputFile> inputs(1);
  inputs[0] = {"loans.csv", "/r/inputs/loans.csv", 16,
               SysTime(std::chrono::milliseconds(1795163400250)), std::nullopt};
  auto json = nlohmann::json::parse(manifest_json(inputs));
  EXPECT_FALSE(json[0].contains("sha256"));
  EXPECT_EQ(json[0]["size"], 16);
  EXPECT_EQ(json[0]["modified"], "2026-11-20T08:30:00.250Z");
}

TEST_F(InputDiscoveryTest, ManifestOfDiscoveredInputsMatchesTheFiles) {
  add("loans_20261119.csv", "abc");
  auto found = discover();
  ASSERT_TRUE(found) << found.error().message;
  auto json = nlohmann::json::parse(manifest_json(*found));
  ASSERT_EQ(json.size(), 1U);
  EXPECT_EQ(json[0]["path"], (last_snapshot() / "loans_20261119.csv").string());
  EXPECT_EQ(json[0]["size"], 3);
  EXPECT_EQ(json[0]["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace orch::pipeline
