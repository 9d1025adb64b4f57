// [pipelines.<name>] tables: what each pipeline inherits from [pipeline], who runs it, the
// refusals of a bad table, and what check-config (describe) shows of them.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace orch::config {
namespace {

using orch::testing::TempDir;
using orch::testing::write_file;
using Env = std::map<std::string, std::string>;

Result<Config> load_file(const TempDir& dir, const std::string& toml, Env env = {}) {
  write_file(dir / "orchestrator.toml", toml);
  LoadOptions options;
  options.working_dir = dir.path();
  options.env = std::move(env);
  options.default_pipeline = "/opt/orch/example-pipeline";
  return load(options);
}

const NamedPipeline& pipeline(const Config& config, std::string_view name) {
  const NamedPipeline* found = config.find_pipeline(name);
  EXPECT_NE(found, nullptr) << name << " not in " << config.pipeline_names();
  static const NamedPipeline kNone;
  return found != nullptr ? *found : kNone;
}

std::vector<std::int64_t> ids(const std::optional<std::vector<TeamId>>& teams) {
  std::vector<std::int64_t> out;
  for (TeamId id : teams.value_or(std::vector<TeamId>{})) {
    out.push_back(id.value);
  }
  return out;
}

// A [pipeline] that sets every key away from its default, so that inheriting shows.
constexpr std::string_view kFullPipeline = R"(
[pipeline]
command = ["/opt/lending/bin/loan_tape"]
timeout_seconds = 600
purchase_weekday = "friday"
required_inputs = ["loans_*.csv"]
log_max_bytes = 2048
max_inputs = 50
hash_inputs = false
isolation = "none"
read_paths = ["reference"]

[pipeline.retry]
max_attempts = 3
initial_delay_seconds = 30
max_delay_seconds = 300

[pipeline.env]
REGION = "eu"
)";

TEST(PipelinesConfig, APipelineInheritsEveryPipelineKeyItDoesNotSetAndOverridesThoseItSets) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline) + R"(
[pipelines.month_end]
command = ["/opt/lending/bin/month_end", "--close"]
cron = "0 4 1 * *"
timeout_seconds = 7200
required_inputs = ["ledger_*.csv"]

[pipelines.month_end.retry]
max_attempts = 5
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->pipelines.size(), 2u);
  const PipelineConfig& own = pipeline(*config, "month_end").settings;
  // Set in [pipelines.month_end]: its own.
  EXPECT_EQ(own.command, (std::vector<std::string>{"/opt/lending/bin/month_end", "--close"}));
  EXPECT_EQ(own.timeout, std::chrono::seconds(7200));
  EXPECT_EQ(own.required_inputs, std::vector<std::string>{"ledger_*.csv"});
  EXPECT_EQ(own.retry.max_attempts, 5);
  // Not set: [pipeline]'s, down to the keys of a sub-table it sets only in part.
  EXPECT_EQ(own.purchase_weekday, date::Friday);
  EXPECT_EQ(own.log_max_bytes, 2048u);
  EXPECT_EQ(own.max_inputs, 50);
  EXPECT_FALSE(own.hash_inputs);
  EXPECT_EQ(own.isolation, Isolation::kNone);
  EXPECT_EQ(own.read_paths, std::vector<std::filesystem::path>{dir / "reference"});
  EXPECT_EQ(own.retry.initial_delay, std::chrono::seconds(30));
  EXPECT_EQ(own.retry.max_delay, std::chrono::seconds(300));
  EXPECT_EQ(own.env, (std::map<std::string, std::string>{{"REGION", "eu"}}));
  // And [pipeline] itself is untouched by it.
  EXPECT_EQ(config->pipeline.timeout, std::chrono::seconds(600));
  EXPECT_EQ(config->pipeline.retry.max_attempts, 3);
  EXPECT_EQ(config->pipeline.command, std::vector<std::string>{"/opt/lending/bin/loan_tape"});
}

TEST(PipelinesConfig, DailyComesFirstAndIsThePipelineTableAsWritten) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline) + R"(
[pipelines.zeta]
command = ["/opt/zeta"]

[pipelines.alpha]
command = ["/opt/alpha"]
run_time = "05:30"
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->pipeline_names(), "daily, alpha, zeta");
  const NamedPipeline& daily = config->pipelines.front();
  EXPECT_EQ(daily.name, "daily");
  EXPECT_EQ(daily.settings.command, config->pipeline.command);
  EXPECT_EQ(daily.settings.timeout, std::chrono::seconds(600));
  EXPECT_EQ(daily.settings.env, config->pipeline.env);
  // No schedule of its own: the scheduler's defaults (or a team's own) decide.
  EXPECT_FALSE(daily.run_time.has_value());
  EXPECT_FALSE(daily.cron.has_value());
  EXPECT_FALSE(daily.teams.has_value());
  EXPECT_TRUE(daily.general);
  const NamedPipeline& alpha = pipeline(*config, "alpha");
  ASSERT_TRUE(alpha.run_time.has_value());
  EXPECT_EQ(alpha.run_time->since_midnight, std::chrono::hours(5) + std::chrono::minutes(30));
  EXPECT_FALSE(alpha.cron.has_value());
}

TEST(PipelinesConfig, WithoutPipelinesTablesThereIsOnlyDaily) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline));
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->pipelines.size(), 1u);
  EXPECT_EQ(config->pipeline_names(), "daily");
  EXPECT_EQ(config->pipelines[0].settings.command, config->pipeline.command);
  EXPECT_EQ(config->find_pipeline("month_end"), nullptr);
}

TEST(PipelinesConfig, EnvironmentVariablesSetThePipelineTableThatOthersInherit) {
  TempDir dir;
  auto config =
      load_file(dir, R"(
[pipelines.month_end]
command = ["/opt/month_end"]

[pipelines.recon]
command = ["/opt/recon"]
timeout_seconds = 7200
)",
                {{"PIPELINE_TIMEOUT_SECONDS", "900"}, {"PIPELINE_COMMAND", "/opt/from_env"}});
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(pipeline(*config, "daily").settings.timeout, std::chrono::seconds(900));
  EXPECT_EQ(pipeline(*config, "daily").settings.command, std::vector<std::string>{"/opt/from_env"});
  EXPECT_EQ(pipeline(*config, "month_end").settings.timeout, std::chrono::seconds(900));
  // A pipeline's own key is more specific than the variable, which names [pipeline]'s.
  EXPECT_EQ(pipeline(*config, "recon").settings.timeout, std::chrono::seconds(7200));
  EXPECT_EQ(pipeline(*config, "month_end").settings.command,
            std::vector<std::string>{"/opt/month_end"});
}

TEST(PipelinesConfig, AnEnvTableOfItsOwnReplacesThePipelineEnvWhole) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline) + R"(
[pipelines.month_end]
command = ["/opt/month_end"]

[pipelines.month_end.env]
CLOSE = "monthly"
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(pipeline(*config, "month_end").settings.env,
            (std::map<std::string, std::string>{{"CLOSE", "monthly"}}));
  EXPECT_EQ(config->pipeline.env, (std::map<std::string, std::string>{{"REGION", "eu"}}));
}

TEST(PipelinesConfig, APipelinesDailyTableNarrowsAndAdjustsDailyWithoutACommand) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline) + R"(
[pipelines.daily]
teams = [2, 1, 2]
timeout_seconds = 1200
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->pipelines.size(), 1u);
  const NamedPipeline& daily = config->pipelines.front();
  EXPECT_EQ(daily.name, "daily");
  EXPECT_EQ(ids(daily.teams), (std::vector<std::int64_t>{1, 2}));
  EXPECT_FALSE(daily.general);
  EXPECT_EQ(daily.settings.command, std::vector<std::string>{"/opt/lending/bin/loan_tape"});
  EXPECT_EQ(daily.settings.timeout, std::chrono::seconds(1200));
  EXPECT_EQ(daily.settings.purchase_weekday, date::Friday);
}

TEST(PipelinesConfig, WhoRunsAPipelineTeamsListGeneralOnlyOrEveryone) {
  TempDir dir;
  auto config = load_file(dir, R"(
[pipelines.everyone]
command = ["/opt/a"]

[pipelines.listed]
command = ["/opt/b"]
teams = [3, 1]

[pipelines.general_alone]
command = ["/opt/c"]
general_only = true

[pipelines.not_general_only]
command = ["/opt/d"]
general_only = false
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const NamedPipeline& everyone = pipeline(*config, "everyone");
  EXPECT_FALSE(everyone.teams.has_value());
  EXPECT_TRUE(everyone.general);
  // A list of teams leaves the general run out.
  const NamedPipeline& listed = pipeline(*config, "listed");
  EXPECT_EQ(ids(listed.teams), (std::vector<std::int64_t>{1, 3}));
  EXPECT_FALSE(listed.general);
  const NamedPipeline& general_alone = pipeline(*config, "general_alone");
  ASSERT_TRUE(general_alone.teams.has_value());
  EXPECT_TRUE(general_alone.teams->empty());
  EXPECT_TRUE(general_alone.general);
  const NamedPipeline& not_general_only = pipeline(*config, "not_general_only");
  EXPECT_FALSE(not_general_only.teams.has_value());
  EXPECT_TRUE(not_general_only.general);
}

TEST(PipelinesConfig, NoPipelineRunsForTheGeneralRunWhenTheGeneralRunIsOff) {
  TempDir dir;
  auto config = load_file(dir, R"(
[scheduler]
general_run = false

[pipelines.month_end]
command = ["/opt/month_end"]
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_FALSE(pipeline(*config, "daily").general);
  EXPECT_FALSE(pipeline(*config, "month_end").general);
}

// A refusal is kInvalidArgument on one line that starts "configuration: " and holds every part.
::testing::AssertionResult is_refusal(const Result<Config>& result,
                                      const std::vector<std::string>& parts,
                                      const std::vector<std::string>& absent) {
  if (result.has_value()) {
    return ::testing::AssertionFailure() << "loaded:\n" << describe(*result);
  }
  const Error& error = result.error();
  if (error.code != ErrorCode::kInvalidArgument || !error.message.starts_with("configuration: ") ||
      error.message.find('\n') != std::string::npos) {
    return ::testing::AssertionFailure() << "not a one-line kInvalidArgument ("
                                         << to_string(error.code) << "): " << error.message;
  }
  for (const auto& part : parts) {
    if (error.message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "no \"" << part << "\" in: " << error.message;
    }
  }
  for (const auto& part : absent) {
    if (error.message.find(part) != std::string::npos) {
      return ::testing::AssertionFailure() << "\"" << part << "\" in: " << error.message;
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(PipelinesConfig, ABadPipelinesTableIsRefusedWithOneLineNamingTheKeyTheFileAndWhatIsAllowed) {
  struct Case {
    std::string toml;
    std::vector<std::string> parts;  // besides the file's path
    std::vector<std::string> absent = {};
  };
  const std::string kCommand = "command = [\"/opt/month_end\"]\n";
  const std::vector<Case> cases = {
      {"[pipelines.\"Bad Name\"]\n" + kCommand,
       {"[pipelines.\"Bad Name\"]", "1 to 40 of a-z, 0-9, '_' and '-', starting with a letter"}},
      {"[pipelines.1st]\n" + kCommand, {"[pipelines.1st]", "starting with a letter"}},
      {"[pipelines." + std::string(41, 'a') + "]\n" + kCommand, {"1 to 40"}},
      {"[pipelines.month_end]\ncron = \"0 4 1 * *\"\n",
       {"[pipelines.month_end]", "has no command", "command = ["}},
      {"[pipelines.month_end]\n" + kCommand + "run_time = \"25:00\"\n",
       {"pipelines.month_end.run_time = \"25:00\"", "HH:MM or HH:MM:SS"}},
      {"[pipelines.month_end]\n" + kCommand + "run_time = 4\n",
       {"pipelines.month_end.run_time = 4", "expected a string"}},
      {"[pipelines.month_end]\n" + kCommand + "cron = 5\n",
       {"pipelines.month_end.cron = 5", "expected a string"}},
      {"[pipelines.month_end]\n" + kCommand + "run_time = \"04:00\"\ncron = \"0 4 1 * *\"\n",
       {"pipelines.month_end.run_time", "run_time or cron, not both"}},
      {"[pipelines.month_end]\n" + kCommand + "teams = [1, 0]\n",
       {"pipelines.month_end.teams = 0", "a team id is a whole number from 1 to"}},
      {"[pipelines.month_end]\n" + kCommand + "teams = [\"1\"]\n",
       {"pipelines.month_end.teams = [\"1\"]", "an array of team ids"}},
      {"[pipelines.month_end]\n" + kCommand + "teams = 1\n",
       {"pipelines.month_end.teams = 1", "an array of team ids"}},
      {"[pipelines.month_end]\n" + kCommand + "teams = [1, 2]\ngeneral_only = true\n",
       {"pipelines.month_end.general_only", "one or the other"}},
      {"[pipelines.month_end]\n" + kCommand + "general_only = \"yes\"\n",
       {"pipelines.month_end.general_only = \"yes\"", "a boolean"}},
      {"[pipelines.month_end]\n" + kCommand + "bogus = 1\n",
       {"unknown key \"pipelines.month_end.bogus\"", "allowed in [pipelines.month_end]:",
        "timeout_seconds", "[pipelines.month_end.retry]", "run_time, cron, teams, general_only"},
       {"\"pipeline.bogus\"", "[pipeline]", "[pipeline.retry]"}},
      {"[pipelines.month_end]\n" + kCommand + "[pipelines.month_end.retry]\nbogus = 1\n",
       {"unknown key \"pipelines.month_end.retry.bogus\"",
        "allowed in [pipelines.month_end.retry]: max_attempts"},
       {"\"pipeline.retry.bogus\""}},
      {"[pipelines.month_end]\n" + kCommand + "timeout_seconds = 0\n",
       {"pipelines.month_end.timeout_seconds = 0", "an integer from 1 to"}},
      {"[pipelines.month_end]\n" + kCommand + "purchase_weekday = \"someday\"\n",
       {"pipelines.month_end.purchase_weekday = \"someday\""}},
      {"[pipelines.month_end]\n" + kCommand +
           "[pipelines.month_end.retry]\ninitial_delay_seconds = 600\nmax_delay_seconds = 60\n",
       {"pipelines.month_end.retry.max_delay_seconds = 60", "at least the initial delay (600)"}},
      {"[pipelines.month_end]\n" + kCommand + "[pipelines.month_end.env]\n\"1BAD\" = \"x\"\n",
       {"pipelines.month_end.env", "not a variable name"}},
      {"[pipelines]\nmonth_end = 3\n", {"pipelines.month_end", "must be a table"}},
      {"pipelines = 1\n", {"pipelines in", "must be tables [pipelines.<name>]"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.toml);
    TempDir dir;
    std::vector<std::string> parts = c.parts;
    parts.push_back((dir / "orchestrator.toml").string());
    EXPECT_TRUE(is_refusal(load_file(dir, c.toml), parts, c.absent));
  }
}

TEST(PipelinesConfigDescribe, ShowsNoPipelinesTablesForASiteWithOnlyThePipelineTable) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline));
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const std::string text = describe(*config);
  EXPECT_EQ(text.find("pipelines"), std::string::npos) << text;
}

constexpr std::string_view kThreePipelines = R"(
[pipelines.daily]
teams = [1, 2]

[pipelines.month_end]
command = ["/opt/lending/bin/month_end"]
cron = "0 4 1 * *"
timeout_seconds = 7200

[pipelines.month_end.retry]
max_attempts = 5

[pipelines.month_end.env]
CLOSE = "monthly"
LEDGER_TOKEN = "ledger-secret"

[pipelines.recon]
command = ["/opt/lending/bin/recon"]
run_time = "06:30"
general_only = true
)";

TEST(PipelinesConfigDescribe, ShowsEachPipelineWithItsScheduleAndOnlyWhatDiffersFromPipeline) {
  TempDir dir;
  auto config = load_file(dir, std::string(kFullPipeline) + std::string(kThreePipelines));
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const std::string text = describe(*config);
  toml::table table;
  try {
    table = toml::parse(text);
  } catch (const toml::parse_error& e) {
    FAIL() << e.description() << "\n" << text;
  }
  auto* daily = table["pipelines"]["daily"].as_table();
  ASSERT_NE(daily, nullptr) << text;
  EXPECT_EQ(daily->size(), 1u) << text;  // only teams: the rest is [pipeline]
  EXPECT_EQ(table["pipelines"]["daily"]["teams"][1].value<std::int64_t>(), 2);

  auto month_end = table["pipelines"]["month_end"];
  EXPECT_EQ(month_end["command"][0].value<std::string>(), "/opt/lending/bin/month_end");
  EXPECT_EQ(month_end["cron"].value<std::string>(), "0 4 1 * *");
  EXPECT_EQ(month_end["timeout_seconds"].value<std::int64_t>(), 7200);
  EXPECT_EQ(month_end["retry"]["max_attempts"].value<std::int64_t>(), 5);
  EXPECT_FALSE(month_end["retry"]["initial_delay_seconds"]) << text;  // inherited: not shown
  for (const char* inherited :
       {"purchase_weekday", "required_inputs", "log_max_bytes", "max_inputs", "hash_inputs",
        "isolation", "read_paths", "teams", "general_only", "run_time"}) {
    EXPECT_FALSE(month_end[inherited]) << inherited << " shown in:\n" << text;
  }
  EXPECT_EQ(month_end["env"]["CLOSE"].value<std::string>(), "monthly");
  EXPECT_EQ(month_end["env"]["LEDGER_TOKEN"].value<std::string>(), "***");
  EXPECT_EQ(text.find("ledger-secret"), std::string::npos) << text;

  auto recon = table["pipelines"]["recon"];
  EXPECT_EQ(recon["run_time"].value<std::string>(), "06:30");
  EXPECT_EQ(recon["general_only"].value<bool>(), true);
  EXPECT_FALSE(recon["cron"]) << text;
  // [pipeline] still shows `daily`'s settings as written.
  EXPECT_EQ(table["pipeline"]["timeout_seconds"].value<std::int64_t>(), 600);
}

TEST(PipelinesConfigDescribe, LoadsBackToTheSamePipelines) {
  TempDir dir;
  auto first = load_file(dir, std::string(kFullPipeline) + std::string(kThreePipelines),
                         {{"PIPELINE_TIMEOUT_SECONDS", "900"}});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const std::string text = describe(*first);
  TempDir other;
  auto second = load_file(other, text);
  ASSERT_TRUE(second.has_value()) << second.error().message << "\n" << text;
  auto body = [](const std::string& t) { return t.substr(t.find('\n')); };
  EXPECT_EQ(body(describe(*second)), body(text));
  ASSERT_EQ(second->pipeline_names(), "daily, month_end, recon");
  EXPECT_EQ(pipeline(*second, "month_end").settings.timeout, std::chrono::seconds(7200));
  EXPECT_EQ(pipeline(*second, "recon").settings.timeout, std::chrono::seconds(900));
  EXPECT_EQ(ids(pipeline(*second, "daily").teams), (std::vector<std::int64_t>{1, 2}));
  EXPECT_TRUE(pipeline(*second, "recon").general);
}

// Each key of [pipeline] that a [pipelines.<name>] table sets apart shows in that table and loads
// back; a key added to [pipeline] without a case here fails the last check.
TEST(PipelinesConfigDescribe, ShowsEveryPipelineKeyATableSetsApart) {
  struct Case {
    std::string key;  // as in [pipeline]: "timeout_seconds", "retry.max_attempts", "env"
    std::string toml;
  };
  const std::vector<Case> cases = {
      {"command", "command = [\"/opt/other\"]"},
      {"timeout_seconds", "timeout_seconds = 7200"},
      {"purchase_weekday", "purchase_weekday = \"monday\""},
      {"required_inputs", "required_inputs = [\"ledger_*.csv\"]"},
      {"wait_for_inputs_seconds", "wait_for_inputs_seconds = 600"},
      {"input_settle_seconds", "input_settle_seconds = 30"},
      {"ready_marker", "ready_marker = \"_SUCCESS\""},
      {"skip_unchanged", "skip_unchanged = true"},
      {"condition", "condition = [\"/opt/lending/bin/is_month_end\"]"},
      {"log_max_bytes", "log_max_bytes = 4096"},
      {"max_inputs", "max_inputs = 20"},
      {"hash_inputs", "hash_inputs = false"},
      {"isolation", "isolation = \"none\""},
      {"isolation_required", "isolation_required = true"},
      {"read_paths", "read_paths = [\"reference\"]"},
      {"retry.max_attempts", "retry = { max_attempts = 4 }"},
      {"retry.initial_delay_seconds", "retry = { initial_delay_seconds = 10 }"},
      {"retry.max_delay_seconds", "retry = { max_delay_seconds = 20, initial_delay_seconds = 5 }"},
      {"env", "env = { CLOSE = \"monthly\" }"},
  };
  std::set<std::string> covered;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.toml);
    covered.insert(c.key);
    TempDir dir;
    const std::string own = c.key == "command" ? "" : "command = [\"/opt/month_end\"]\n";
    auto config = load_file(dir, "[pipelines.x]\n" + own + c.toml + "\n");
    ASSERT_TRUE(config.has_value()) << config.error().message;
    const std::string text = describe(*config);
    toml::table table = toml::parse(text);
    auto dot = c.key.find('.');
    auto shown = dot == std::string::npos
                     ? table["pipelines"]["x"][c.key]
                     : table["pipelines"]["x"][c.key.substr(0, dot)][c.key.substr(dot + 1)];
    EXPECT_TRUE(shown) << c.key << " not shown in:\n" << text;
    TempDir other;
    auto again = load_file(other, text);
    ASSERT_TRUE(again.has_value()) << again.error().message << "\n" << text;
    EXPECT_EQ(describe(*again).substr(text.find('\n')), text.substr(text.find('\n')));
  }
  // Every key describe() prints in [pipeline] has a case.
  TempDir dir;
  auto defaults = load_file(dir, "");
  ASSERT_TRUE(defaults.has_value()) << defaults.error().message;
  toml::table table = toml::parse(describe(*defaults));
  std::set<std::string> keys{"env"};
  for (const auto& [key, value] : *table["pipeline"].as_table()) {
    if (value.is_table()) {
      for (const auto& [sub, unused] : *value.as_table()) {
        keys.insert(std::string(key.str()) + "." + std::string(sub.str()));
      }
    } else {
      keys.insert(std::string(key.str()));
    }
  }
  EXPECT_EQ(covered, keys);
}

}  // namespace
}  // namespace orch::config
