// One JSON type per concept in every command and in the HTTP API: an owner is "team" ("3" or
// "general", text) beside "sales_team_id" (a number, null for the general run); a team's id is a
// number; lists are arrays; flags are booleans; numbers are numbers, in the JSON log too.

#include <regex>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/http_client.h"

namespace orch::testing {
namespace {

constexpr const char* kToken = "admin-token-0123456789abcdef";

// The owner fields of a run or a slot agree with each other and have their types.
void expect_owner(const nlohmann::json& row) {
  SCOPED_TRACE(row.dump());
  ASSERT_TRUE(row["team"].is_string());
  if (row["team"] == "general") {
    EXPECT_TRUE(row["sales_team_id"].is_null());
  } else {
    ASSERT_TRUE(row["sales_team_id"].is_number_integer());
    EXPECT_EQ(row["team"], std::to_string(row["sales_team_id"].get<int>()));
  }
}

class JsonTypesTest : public E2eTest {
 protected:
  JsonTypesTest() {
    env_["GENERAL_RUN_ENABLED"] = "true";
    write_file(dir_ / "orchestrator.toml",
               "[pipelines.month_end]\ncommand = [\"/bin/true\"]\ncron = \"0 4 1 * *\"\n");
    add_team(1, "North", {"--email", "a@example.org,b@example.org", "--retry-max-attempts", "3"});
    add_team(2, "South", {"--after", "general,1"});
  }

  nlohmann::json json_of(std::vector<std::string> args) {
    args.insert(args.end(), {"--format", "json"});
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out, nullptr, false);
  }
};

TEST_F(JsonTypesTest, RunsPlanAndTheApiNameTheOwnerAlike) {
  ASSERT_EQ(orch({"run", "--team", "1"}).exit_code, 0);
  ASSERT_EQ(orch({"run", "--general"}).exit_code, 0);

  auto runs = json_of({"runs"});
  ASSERT_EQ(runs.size(), 2u) << runs.dump(2);
  for (const auto& run : runs) {
    expect_owner(run);
    EXPECT_TRUE(run["attempt"].is_number_integer());
    EXPECT_TRUE(run["duration_ms"].is_number_integer());
    EXPECT_TRUE(run["exit_code"].is_number_integer());
  }
  EXPECT_EQ(runs[0]["team"], "general");
  EXPECT_EQ(runs[1]["team"], "1");

  auto plan = json_of({"plan", "--count", "1"});
  ASSERT_EQ(plan.size(), 6u) << plan.dump(2);  // daily and month_end of two teams and general
  std::set<std::string> owners;
  for (const auto& slot : plan) {
    expect_owner(slot);
    owners.insert(slot["team"].get<std::string>());
  }
  EXPECT_EQ(owners, (std::set<std::string>{"1", "2", "general"}));

  // The HTTP API's run JSON has the same fields with the same types.
  auto service = serve({{"API_TOKEN", kToken}, {"DAILY_RUN_TIME", utc_time_in(-3600)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  std::smatch m;
  std::string out = service->output();
  ASSERT_TRUE(
      std::regex_search(out, m, std::regex("api_listening address=127\\.0\\.0\\.1:([0-9]+)")))
      << out;
  auto reply = http_get(std::stoi(m[1]), "/api/v1/runs", kToken);
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto api = nlohmann::json::parse(reply.body)["runs"];
  ASSERT_EQ(api.size(), 2u) << reply.body;
  for (std::size_t i = 0; i < api.size(); ++i) {
    expect_owner(api[i]);
    EXPECT_EQ(api[i]["team"], runs[i]["team"]);
    EXPECT_EQ(api[i]["sales_team_id"], runs[i]["sales_team_id"]);
    EXPECT_EQ(api[i]["duration_ms"], runs[i]["duration_ms"]);
  }
}

TEST_F(JsonTypesTest, TeamsListGivesNumbersBooleansAndArrays) {
  ASSERT_EQ(orch({"teams", "pause", "2", "--pipeline", "month_end"}).exit_code, 0);
  auto teams = json_of({"teams", "list"});
  ASSERT_EQ(teams.size(), 2u) << teams.dump(2);
  EXPECT_EQ(teams[0]["id"], 1);
  EXPECT_EQ(teams[0]["active"], true);
  EXPECT_EQ(teams[0]["paused"], false);
  EXPECT_EQ(teams[0]["retry_max_attempts"], 3);
  EXPECT_EQ(teams[0]["notify_email"], nlohmann::json({"a@example.org", "b@example.org"}));
  EXPECT_TRUE(teams[0]["after"].is_null());
  EXPECT_EQ(teams[0]["pipelines"], nlohmann::json({"daily", "month_end"}));
  EXPECT_EQ(teams[1]["id"], 2);
  EXPECT_TRUE(teams[1]["notify_email"].is_null());
  EXPECT_EQ(teams[1]["after"], nlohmann::json({"general", "1"}));
  EXPECT_EQ(teams[1]["pipelines"], nlohmann::json({"daily", "month_end (paused)"}));

  // The table and CSV keep the comma-separated text.
  auto csv = orch({"teams", "list", "--format", "csv"});
  EXPECT_NE(csv.out.find("\"a@example.org,b@example.org\""), std::string::npos) << csv.out;
}

TEST_F(JsonTypesTest, PipelinesListGivesABooleanAndArraysOfTeamIds) {
  ASSERT_EQ(orch({"teams", "pause", "2", "--pipeline", "month_end"}).exit_code, 0);
  auto pipelines = json_of({"pipelines", "list"});
  ASSERT_EQ(pipelines.size(), 2u) << pipelines.dump(2);
  EXPECT_EQ(pipelines[0]["general"], true);
  EXPECT_EQ(pipelines[0]["teams"], nlohmann::json({1, 2}));
  EXPECT_EQ(pipelines[0]["paused_teams"], nlohmann::json::array());
  EXPECT_EQ(pipelines[1]["teams"], nlohmann::json({1}));
  EXPECT_EQ(pipelines[1]["paused_teams"], nlohmann::json({2}));
}

TEST_F(JsonTypesTest, StatusGivesNumbers) {
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(-3600)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  auto status = json_of({"status"});
  EXPECT_TRUE(status["schedule_generation"].is_number_integer()) << status.dump(2);
  EXPECT_EQ(status["live_services"], 1);
  ASSERT_EQ(status["services"].size(), 1u);
  const auto& s = status["services"][0];
  EXPECT_TRUE(s["pid"].is_number_integer());
  EXPECT_TRUE(s["heartbeat_age_s"].is_number());
  EXPECT_TRUE(s["running_runs"].is_number_integer());
  EXPECT_TRUE(s["instance"].is_string());
}

TEST_F(JsonTypesTest, JsonLogLinesWriteNumbersAsNumbers) {
  auto result = orch({"--log-format", "json", "run", "--team", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  bool completed = false;
  std::istringstream lines(result.err);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    if (j["msg"] == "run_completed") {
      completed = true;
      EXPECT_EQ(j["team"], "1") << line;
      EXPECT_TRUE(j["duration_ms"].is_number_integer()) << line;
      EXPECT_TRUE(j["exit_code"].is_number_integer()) << line;
      EXPECT_TRUE(j["total_loans"].is_number_integer()) << line;
    }
  }
  EXPECT_TRUE(completed) << result.err;
}

}  // namespace
}  // namespace orch::testing
