// The user guide's example of runs that wait ("every team waits for today's loan tape until 06:00
// and runs after the general run has prepared the reference rates",
// docs/guide/waiting_for_inputs.md): its configuration and its three commands are read from the
// page and run as written, and the statuses `runs` prints are those the page shows, so that the
// example cannot drift from what the product does.

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr std::string_view kExampleStart =
    "Every team waits for today's loan tape until 06:00 (its slot at 02:00)";

struct Example {
  std::string toml;
  std::vector<std::string> commands;
  std::vector<std::string> outputs;  // the `runs` tables shown, in order
};

// The example's blocks: its ```toml block, its ```sh block (a command a line), and the plain
// ``` blocks after them, up to the paragraph that follows.
Example read_example() {
  std::ifstream readme(std::filesystem::path(ORCH_SOURCE_DIR) / "docs" / "guide" /
                       "waiting_for_inputs.md");
  Example example;
  std::string line;
  bool found = false;
  std::string fence;  // the open block's fence line, "" outside a block
  std::string block;
  while (std::getline(readme, line)) {
    if (!found) {
      found = line.rfind(kExampleStart, 0) == 0;
      continue;
    }
    if (fence.empty()) {
      if (line.rfind("```", 0) == 0) {
        fence = line;
        block.clear();
      } else if (!example.outputs.empty() && !line.empty()) {
        break;  // the paragraph after the outputs
      }
      continue;
    }
    if (line != "```") {
      block += line + "\n";
      continue;
    }
    if (fence == "```toml") {
      example.toml = block;
    } else if (fence == "```sh") {
      std::istringstream lines(block);
      for (std::string command; std::getline(lines, command);) {
        example.commands.push_back(command);
      }
    } else {
      example.outputs.push_back(block);
    }
    fence.clear();
  }
  return example;
}

// The status column of a `runs` table, a row at a time.
std::vector<std::string> statuses(const std::string& table) {
  std::istringstream lines(table);
  std::vector<std::string> out;
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string run_id, team, status;
    if (words >> run_id >> team >> status) {
      out.push_back(status);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ReadmeChainExampleTest : public E2eTest {
 protected:
  // Runs one of the example's command lines as a user's shell would, the built binary first on
  // the PATH.
  CommandResult shell(const std::string& command) {
    CommandOptions options;
    options.working_dir = dir_.path();
    options.env = env_;
    options.env["PATH"] =
        std::filesystem::path(ORCH_BINARY).parent_path().string() + ":" + env_or_empty("PATH");
    return run_command({"/bin/sh", "-c", command}, options);
  }

  int count_status(const std::string& status) {
    int n = 0;
    for (const auto& run : runs_json()) {
      n += run["status"] == status ? 1 : 0;
    }
    return n;
  }
};

TEST_F(ReadmeChainExampleTest, TheExampleRunsAsTheReadmeShows) {
  Example example = read_example();
  ASSERT_FALSE(example.toml.empty()) << "no ```toml block after \"" << kExampleStart << "\"";
  ASSERT_EQ(example.commands.size(), 3u) << "the example is three commands";
  ASSERT_EQ(example.outputs.size(), 2u) << "runs while the teams wait, and after";
  std::ofstream(dir_ / "orchestrator.toml") << example.toml;

  add_team(1, "North");
  add_team(2, "West");
  add_team(3, "East");
  const std::string today = today_utc_compact();
  write_tape(dir_ / "inputs" / "files_required", 30, 4, today);  // the general run's, in time
  // The example's slot, moved to a few seconds from now; the settle time shortened for the test.
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(8)},
                        {"GENERAL_RUN_ENABLED", "true"},
                        {"PIPELINE_INPUT_SETTLE_SECONDS", "1"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  for (int i = 0; i < 2; ++i) {
    auto result = shell(example.commands[i]);
    ASSERT_EQ(result.exit_code, 0) << example.commands[i] << "\n" << result.out << result.err;
  }
  auto teams = nlohmann::json::parse(orch({"teams", "list", "--format", "json"}).out);
  for (const auto& team : teams) {
    EXPECT_EQ(team["after"], nlohmann::json::array({"general"})) << teams.dump(2);
  }

  // At the slot: the teams wait for their tapes (and the general run).
  ASSERT_TRUE(wait_until([&] { return count_status("waiting") == 3; }, seconds(30)))
      << runs_json().dump(2) << service->output();
  auto waiting = shell(example.commands[2]);
  ASSERT_EQ(waiting.exit_code, 0) << waiting.err;
  auto waiting_statuses = statuses(waiting.out);
  ASSERT_EQ(waiting_statuses.size(), 4u) << waiting.out;
  EXPECT_EQ(std::count(waiting_statuses.begin(), waiting_statuses.end(), "waiting"), 3)
      << waiting.out;
  EXPECT_EQ(statuses(example.outputs[0]).size(), 4u) << example.outputs[0];

  for (int team : {1, 2, 3}) {
    write_tape(team_inputs(team), 10 + team, 2, today);
  }
  ASSERT_TRUE(wait_until([&] { return count_status("completed") == 4; }, seconds(40)))
      << runs_json().dump(2) << service->output();
  auto done = shell(example.commands[2]);
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(statuses(done.out), statuses(example.outputs[1])) << done.out;
  EXPECT_EQ(statuses(done.out), std::vector<std::string>(4, "completed")) << done.out;
  service->send_signal(SIGTERM);
  ASSERT_EQ(service->wait(seconds(15)), 0);

  // Each team ran after the general run had completed.
  auto runs = runs_json();
  std::string general_completed;
  for (const auto& run : runs) {
    if (run["sales_team_id"].is_null()) {
      general_completed = run["completed_at"];
    }
  }
  ASSERT_FALSE(general_completed.empty()) << runs.dump(2);
  for (const auto& run : runs) {
    if (!run["sales_team_id"].is_null()) {
      EXPECT_GE(run["started_at"].get<std::string>(), general_completed) << runs.dump(2);
    }
  }
}

}  // namespace
}  // namespace orch::testing
