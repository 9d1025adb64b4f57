// Every command declares its own options and help (orchestrator/cli/*_command.cpp): each one must
// still answer --help with its description and every option it takes, and the top-level help must
// list every command with its description.

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

struct HelpCase {
  std::vector<std::string> command;
  std::string description;
  std::vector<std::string> options;
};

const std::vector<HelpCase>& help_cases() {
  static const std::vector<HelpCase> kCases{
      {{"serve"}, "Run the service until SIGTERM/SIGINT", {}},
      {{"run"},
       "Run one team (or the general run) now",
       {"--team", "--general", "--pipeline", "--purchase-date", "--force"}},
      {{"backfill"},
       "Run the days a team missed, oldest first",
       {"--team", "--general", "--pipeline", "--from", "--to", "--force"}},
      {{"reschedule"}, "Make every live service reload the teams", {"--timeout"}},
      {{"teams", "list"}, "List every team", {"--format"}},
      {{"teams", "add"},
       "Add a team",
       {"--id", "--name", "--run-time", "--timezone", "--cron", "--retry-max-attempts",
        "--retry-initial-delay", "--retry-max-delay", "--email", "--slack-webhook",
        "--wait-for-inputs", "--after", "--dst-skipped", "--dst-repeated", "--overlap",
        "--pipelines"}},
      {{"teams", "update"}, "Change a team's settings", {"--name", "--cron", "--pipeline"}},
      {{"teams", "deactivate"}, "Stop scheduling a team", {}},
      {{"teams", "activate"}, "Schedule a team again", {}},
      {{"teams", "pause"}, "Stop a team's schedule, keeping it active", {"--pipeline", "--note"}},
      {{"teams", "resume"}, "Restart a paused team's schedule", {"--pipeline", "--note"}},
      {{"runs"},
       "The run history, newest first",
       {"--team", "--pipeline", "--status", "--since", "--until", "--limit", "--format"}},
      {{"runs", "show"}, "One run: its row, inputs, metrics and notifications", {"--format"}},
      {{"logs"}, "A run's pipeline log", {"--tail"}},
      {{"trigger"},
       "Ask a live service to run one team",
       {"--team", "--general", "--pipeline", "--purchase-date", "--timeout"}},
      {{"cancel"}, "Cancel a run", {"--timeout"}},
      {{"why"},
       "What happened to a team's pipeline on one day",
       {"--team", "--general", "--pipeline", "--date", "--format"}},
      {{"plan"},
       "The next fire times of every pipeline of every active team",
       {"--team", "--pipeline", "--count", "--cron", "--timezone", "--after", "--format"}},
      {{"pipelines", "list"},
       "Each pipeline, its schedule and the teams that run it",
       {"--format"}},
      {{"status"}, "The services sharing the database", {"--format"}},
      {{"notify", "test"}, "Send a test message through one channel now", {"--channel", "--team"}},
      {{"audit"}, "Who changed what", {"--limit", "--target", "--actor", "--format"}},
      {{"migrate"}, "Create or upgrade the database schema", {}},
      {{"prune"}, "Delete the run history older than history.keep_days now", {"--dry-run"}},
      {{"check-config"}, "Validate the configuration", {}},
  };
  return kCases;
}

TEST_F(E2eTest, EveryCommandAnswersHelpWithItsDescriptionAndOptions) {
  for (const HelpCase& c : help_cases()) {
    std::vector<std::string> args = c.command;
    args.emplace_back("--help");
    auto help = orch(args);
    const std::string name = c.command.back();
    EXPECT_EQ(help.exit_code, 0) << name << ": " << help.err;
    EXPECT_NE(help.out.find(c.description), std::string::npos) << name << ": " << help.out;
    for (const std::string& option : c.options) {
      EXPECT_NE(help.out.find(option), std::string::npos) << name << " " << option << help.out;
    }
  }
}

TEST_F(E2eTest, TheTopLevelHelpListsEveryCommandWithItsDescription) {
  auto help = orch({"--help"});
  ASSERT_EQ(help.exit_code, 0) << help.err;
  for (const char* option : {"--config", "--log-level", "--log-format", "--version"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option << help.out;
  }
  for (const HelpCase& c : help_cases()) {
    if (c.command.size() == 1) {
      EXPECT_NE(help.out.find("  " + c.command.front() + " "), std::string::npos)
          << c.command.front() << help.out;
      EXPECT_NE(help.out.find(c.description), std::string::npos) << c.description << help.out;
    }
  }
}

}  // namespace
}  // namespace orch::testing
