// Team names and ids as a hostile or careless user could give them: names that are
// not text, or that carry terminal escape sequences, and ids past the top.
#include <algorithm>
#include <string>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

constexpr char kEsc = '\x1b';

std::size_t lines_in(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(E2eTest, ATeamNameMustBeTextWithoutControlCharacters) {
  add_team(3, "East");
  const std::string escape = std::string(1, kEsc) + "[2J" + kEsc + "[31mRed";
  for (const std::string& name :
       {escape, std::string("Caf\xe9"), std::string("two\nlines"), std::string("tab\tbed"),
        std::string("c1\xc2\x9b"
                    "31m")}) {
    SCOPED_TRACE(::testing::PrintToString(name));
    auto added = orch({"teams", "add", "--name", name});
    EXPECT_EQ(added.exit_code, 2) << added.err;
    EXPECT_EQ(lines_in(added.err), 1u) << added.err;
    EXPECT_NE(added.err.find("UTF-8 text without control characters"), std::string::npos)
        << added.err;
    EXPECT_EQ(added.err.find(kEsc), std::string::npos) << "the message echoes the escape raw";
    auto updated = orch({"teams", "update", "3", "--name", name});
    EXPECT_EQ(updated.exit_code, 2) << updated.err;
    EXPECT_EQ(lines_in(updated.err), 1u) << updated.err;
  }
  auto escaped = orch({"teams", "add", "--name", escape});
  EXPECT_NE(escaped.err.find("\\x1b[2J\\x1b[31mRed"), std::string::npos) << escaped.err;

  auto list = orch({"teams", "list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto teams = nlohmann::json::parse(list.out);
  ASSERT_EQ(teams.size(), 1u) << "nothing was added";
  EXPECT_EQ(teams[0]["name"], "East");

  // Text beyond ASCII is fine.
  auto accented = orch({"teams", "add", "--id", "4", "--name", "Zürich – Süd"});
  ASSERT_EQ(accented.exit_code, 0) << accented.err;
  EXPECT_NE(accented.out.find("(Zürich – Süd)"), std::string::npos) << accented.out;
}

// A name written by an older version, or by SQL directly, with an escape sequence and a byte
// that is not UTF-8: JSON outputs used to exit 1 with the JSON library's exception, and text
// outputs wrote the escape sequence raw to the terminal.
TEST_F(E2eTest, OddBytesAlreadyInTheDatabaseAreEscapedAndNeverEndACommand) {
  add_team(3, "East");
  ASSERT_EQ(sqlite("UPDATE sales_teams SET name = CAST(X'1b5b324a1b5b33316d526564ff' AS TEXT) "
                   "WHERE id = 3")
                .exit_code,
            0);
  const std::string shown = "\\x1b[2J\\x1b[31mRed\\xff";

  auto json = orch({"teams", "list", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto teams = nlohmann::json::parse(json.out);
  EXPECT_EQ(teams[0]["name"], "\x1b[2J\x1b[31mRed\xef\xbf\xbd") << "not UTF-8: U+FFFD";

  auto plan_json = orch({"plan", "--format", "json"});
  ASSERT_EQ(plan_json.exit_code, 0) << plan_json.err;
  EXPECT_EQ(nlohmann::json::parse(plan_json.out)[0]["team"], "3");

  for (const std::vector<std::string>& command : {std::vector<std::string>{"teams", "list"},
                                                  {"plan"},
                                                  {"plan", "--team", "3"},
                                                  {"run", "--team", "3"},
                                                  {"teams", "pause", "3"}}) {
    SCOPED_TRACE(command[0] + " " + command[1 % command.size()]);
    auto result = orch(command);
    EXPECT_EQ(result.out.find(kEsc), std::string::npos) << result.out;
    EXPECT_EQ(result.err.find(kEsc), std::string::npos) << result.err;
    EXPECT_EQ(result.out.find('\xff'), std::string::npos);
    EXPECT_NE(result.out.find(shown), std::string::npos) << result.out;
  }
  // The run's log lines name the team too: escaped, in either log format.
  auto logged = orch({"run", "--team", "3", "--log-level", "debug"});
  EXPECT_EQ(logged.err.find(kEsc), std::string::npos) << logged.err;
  auto logged_json = orch({"run", "--team", "3", "--log-format", "json"});
  EXPECT_EQ(logged_json.err.find(kEsc), std::string::npos) << logged_json.err;
}

TEST_F(E2eTest, TeamIdsStopAtTheLargestInEveryCommand) {
  add_team(2147483647, "Top");
  auto next = orch({"teams", "add", "--name", "Over the top"});
  EXPECT_EQ(next.exit_code, 2) << next.out;
  EXPECT_EQ(lines_in(next.err), 1u) << next.err;
  EXPECT_NE(next.err.find("2147483647"), std::string::npos) << next.err;
  auto list = orch({"teams", "list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(nlohmann::json::parse(list.out).size(), 1u);

  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"teams", "add", "--id", "2147483648", "--name", "X"},
        {"teams", "add", "--id", "0", "--name", "X"},
        {"teams", "update", "2147483648", "--name", "X"},
        {"teams", "deactivate", "2147483648"},
        {"run", "--team", "2147483648"},
        {"runs", "--team", "2147483648"},
        {"plan", "--team", "-1"},
        {"backfill", "--team", "2147483648", "--from", "2026-01-01", "--to", "2026-01-02"}}) {
    SCOPED_TRACE(command[0] + " " + command[1]);
    auto result = orch(command);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(lines_in(result.err), 1u) << result.err;
  }
  // A free id below the top still works.
  add_team(5, "Below");
}

}  // namespace
}  // namespace orch::testing
