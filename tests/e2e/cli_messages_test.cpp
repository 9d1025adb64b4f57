// What an operator sees when the command line is wrong, and how tables read: one "error:" line
// that names what was wrong and what is allowed, exit 2; tables aligned by display width; an
// empty result said in words.

#include <sys/stat.h>
#include <unistd.h>

#include "config/base/display_width.h"
#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  if (start < text.size()) {
    lines.push_back(text.substr(start));
  }
  return lines;
}

TEST_F(E2eTest, EachUsageMistakeGetsOneErrorLineNamingWhatIsAllowed) {
  const std::string commands =
      "serve, run, backfill, reschedule, teams, runs, logs, trigger, cancel, why, plan, pipelines, "
      "status, notify, audit, migrate, prune, check-config";
  struct Case {
    std::vector<std::string> args;
    std::string line;
  };
  for (const auto& [args, line] : std::vector<Case>{
           {{"frobnicate"}, "error: unknown command 'frobnicate' (commands: " + commands + ")"},
           {{}, "error: a command is required (commands: " + commands + ")"},
           {{"teams", "frob"},
            "error: unknown command 'frob' (teams commands: list, add, update, deactivate, "
            "activate, pause, resume)"},
           {{"runs", "--format", "yaml"}, "error: --format: 'yaml' is not one of table, json, csv"},
           {{"plan", "--format", "xml"}, "error: --format: 'xml' is not one of table, json, csv"},
           {{"notify", "test", "--channel", "pager"},
            "error: --channel: 'pager' is not one of email, slack"},
           {{"--log-format", "xml", "runs"},
            "error: --log-format: 'xml' is not one of text, json, journal"},
           {{"runs", "--limit", "ten"}, "error: --limit: 'ten' is not a whole number"},
           {{"teams", "deactivate"},
            "error: teams deactivate: id is required (orchestrator teams deactivate --help)"},
           {{"backfill", "--team", "1", "--to", "2026-12-01"},
            "error: backfill: --from is required (orchestrator backfill --help)"},
           {{"runs", "--team"}, "error: runs: --team needs a value (orchestrator runs --help)"},
           {{"runs", "--colour"},
            "error: runs: unknown option '--colour' (orchestrator runs --help)"},
           {{"runs", "today"},
            "error: runs: unexpected argument 'today' (orchestrator runs --help)"},
       }) {
    SCOPED_TRACE(::testing::PrintToString(args));
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.err, line + "\n");
    EXPECT_EQ(result.out, "");
  }
}

TEST_F(E2eTest, FormatNamesAreReadWithoutCase) {
  auto result = orch({"migrate"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = orch({"runs", "--format", "JSON"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "[]\n");
}

TEST_F(E2eTest, AConfigurationThatCannotBeReadSaysWhy) {
  // Root reads any file whatever its mode; a file the kernel refuses to read serves instead.
  std::filesystem::path file = "/proc/self/mem";
  std::string reason = "Input/output error";
  if (::geteuid() != 0) {
    file = dir_ / "secret.toml";
    write_file(file, "");
    ::chmod(file.c_str(), 0);
    reason = "Permission denied";
  }
  auto result = orch({"--config", file.string(), "runs"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "error: configuration: cannot read " + file.string() + ": " + reason + "\n");
}

TEST_F(E2eTest, TablesAlignByDisplayWidth) {
  add_team(1, "Nörd 北京");
  add_team(2, "West");
  add_team(3, "🚀 Ｒocket");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"teams", "list"}, {"plan", "--count", "1"}}) {
    SCOPED_TRACE(args.front());
    auto result = orch(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto lines = lines_of(result.out);
    ASSERT_EQ(lines.size(), 4u) << result.out;
    // The column after the name starts at the same screen column on every line.
    const std::string after = args.front() == "plan" ? "daily" : "true";
    std::size_t column = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      auto at = lines[i].find("  " + after);
      ASSERT_NE(at, std::string::npos) << lines[i];
      at = lines[i].find_first_not_of(' ', at);
      std::size_t shown = display_width(lines[i].substr(0, at));
      if (i == 1) {
        column = shown;
      }
      EXPECT_EQ(shown, column) << result.out;
    }
  }
}

TEST_F(E2eTest, AnEmptyResultSaysSoInTheTableAndIsAnEmptyListInJson) {
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);
  struct Case {
    std::vector<std::string> args;
    std::string table;
  };
  for (const auto& [args, table] : std::vector<Case>{
           {{"runs"}, "no runs match\n"},
           {{"teams", "list"}, "no teams (add one with orchestrator teams add)\n"},
           {{"plan"}, "nothing is scheduled\n"},
       }) {
    SCOPED_TRACE(args.front());
    auto result = orch(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, table);
    auto args_json = args;
    args_json.insert(args_json.end(), {"--format", "json"});
    auto json = orch(args_json);
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_EQ(json.out, "[]\n");
    auto args_csv = args;
    args_csv.insert(args_csv.end(), {"--format", "csv"});
    auto csv = orch(args_csv);
    EXPECT_EQ(lines_of(csv.out).size(), 1u) << csv.out;  // the header alone
  }
  add_team(1, "East");
  auto none = orch({"runs", "--team", "1", "--status", "failed"});
  EXPECT_EQ(none.out, "no runs match\n");
}

}  // namespace
}  // namespace orch::testing
