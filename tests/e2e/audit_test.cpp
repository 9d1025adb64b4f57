// The audit log and pause notes through the binary: every change the command line makes is
// written with who made it and the values before and after, `audit` lists it; over real HTTP
// against a real `serve`, the API's pause, resume and reschedule do the same as its token's name,
// and answer bad input with a 400 naming the field.

#include <unistd.h>

#include <regex>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/http_client.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kAdminToken = "ops-admin-token-0123456789abcdef";
constexpr const char* kReadToken = "viewer-token-0123456789abcdef";
constexpr const char* kSecretHook = "https://hooks.slack.com/services/T000/B000/very-secret-path";

// What the command line's actor is for this test process's user.
std::string this_user() {
  auto name = run_command({"id", "-un"});
  std::string user = name.out.substr(0, name.out.find('\n'));
  if (name.exit_code != 0 || user.empty()) {
    user = std::to_string(::geteuid());
  }
  return "cli:" + user;
}

int api_port(BackgroundProcess& service) {
  std::smatch m;
  std::string out = service.output();
  static const std::regex kLine("api_listening address=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(out, m, kLine) ? std::stoi(m[1]) : 0;
}

HttpReply post(int port, const std::string& target, const std::string& token,
               const std::string& body) {
  return http_exchange(port, "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                 token +
                                 "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                 "Content-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
}

nlohmann::json json_of(const HttpReply& reply) {
  return nlohmann::json::parse(reply.body, nullptr, false);
}

void expect_problem(const HttpReply& reply, int status, const std::string& detail_part) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/problem+json");
  auto body = json_of(reply);
  ASSERT_TRUE(body.is_object()) << reply.body;
  std::string detail = body.value("detail", "");
  EXPECT_NE(detail.find(detail_part), std::string::npos) << detail;
}

class AuditE2eTest : public BackendE2eTest {
 protected:
  nlohmann::json audit(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"audit", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = orch(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    return parsed.is_array() ? parsed : nlohmann::json::array();
  }

  nlohmann::json team_row(int id) {
    auto listed = orch({"teams", "list", "--format", "json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    for (const auto& row : nlohmann::json::parse(listed.out)) {
      if (row["id"] == id) {
        return row;
      }
    }
    ADD_FAILURE() << "no team " << id << " in " << listed.out;
    return {};
  }

  // A service whose API has an admin token named "ops" and a read token named "viewer".
  std::unique_ptr<BackgroundProcess> serve_api() {
    write_file(
        dir_ / "orchestrator.toml",
        std::string("[api]\ntokens = [{ name = \"ops\", token = \"") + kAdminToken +
            "\", role = \"admin\" }, { name = \"viewer\", token = \"" + kReadToken +
            "\" }]\n\n[pipelines.month_end]\ncommand = [\"/bin/true\"]\ncron = \"0 4 1 * *\"\n");
    auto service = serve({{"DAILY_RUN_TIME", utc_time_in(-3600)}});
    EXPECT_TRUE(wait_for_log(*service, "ready")) << service->output();
    port_ = api_port(*service);
    EXPECT_NE(port_, 0) << service->output();
    return service;
  }

  int port_ = 0;
};

TEST_P(AuditE2eTest, EveryChangeFromTheCommandLineIsAuditedWithBeforeAndAfter) {
  const std::string me = this_user();
  add_team(7, "Seven", {"--slack-webhook", kSecretHook});
  ASSERT_EQ(orch({"teams", "update", "7", "--run-time", "03:30"}).exit_code, 0);
  ASSERT_EQ(orch({"teams", "deactivate", "7"}).exit_code, 0);
  ASSERT_EQ(orch({"teams", "activate", "7"}).exit_code, 0);
  auto paused = orch({"teams", "pause", "7", "--note", "quarter close"});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;

  // The note shows with the team until it is resumed.
  auto row = team_row(7);
  EXPECT_EQ(row["paused"], true);
  EXPECT_EQ(row["pause_note"], "quarter close");
  auto table = orch({"teams", "list"});
  EXPECT_NE(table.out.find("quarter close"), std::string::npos) << table.out;
  ASSERT_EQ(orch({"teams", "resume", "7", "--note", "books closed"}).exit_code, 0);
  EXPECT_TRUE(team_row(7)["pause_note"].is_null());

  ASSERT_EQ(orch({"reschedule", "--timeout", "1"}).exit_code, 0);
  ASSERT_EQ(orch({"prune"}).exit_code, 0);

  auto entries = audit();
  ASSERT_EQ(entries.size(), 8u) << entries.dump(2);
  std::vector<std::string> actions;
  for (const auto& e : entries) {
    actions.push_back(e["action"]);
    EXPECT_EQ(e["actor"], me);
  }
  // Newest first.
  EXPECT_EQ(actions, (std::vector<std::string>{"prune", "reschedule", "teams.resume", "teams.pause",
                                               "teams.activate", "teams.deactivate", "teams.update",
                                               "teams.add"}));
  const auto& added = entries[7];
  EXPECT_EQ(added["target"], "team:7");
  EXPECT_TRUE(added["before"].is_null());
  EXPECT_EQ(added["after"]["name"], "Seven");
  // A webhook URL is a secret: never in the log.
  EXPECT_EQ(added["after"]["slack_webhook"], "https://hooks.slack.com/***");
  EXPECT_EQ(audit().dump().find("very-secret-path"), std::string::npos);
  // Only what changed, on both sides.
  EXPECT_EQ(entries[6]["before"], nlohmann::json({{"run_time", nullptr}}));
  EXPECT_EQ(entries[6]["after"], nlohmann::json({{"run_time", "03:30:00"}}));
  EXPECT_EQ(entries[5]["after"], nlohmann::json({{"active", false}}));
  EXPECT_EQ(entries[3]["after"],
            nlohmann::json({{"paused", true}, {"pause_note", "quarter close"}}));
  EXPECT_EQ(entries[2]["before"],
            nlohmann::json({{"paused", true}, {"pause_note", "quarter close"}}));
  // A resume's own note is kept in its audit entry only.
  EXPECT_EQ(entries[2]["after"],
            nlohmann::json(
                {{"paused", false}, {"pause_note", nullptr}, {"resume_note", "books closed"}}));
  EXPECT_EQ(entries[0]["after"]["runs"], 0);

  // A failed change writes nothing.
  EXPECT_NE(orch({"teams", "pause", "99"}).exit_code, 0);
  EXPECT_NE(orch({"teams", "update", "7", "--run-time", "25:00"}).exit_code, 0);
  EXPECT_EQ(audit().size(), 8u);

  // Filters and limits.
  EXPECT_EQ(audit({"--target", "team:7"}).size(), 6u);
  EXPECT_EQ(audit({"--limit", "2"}).size(), 2u);
  EXPECT_TRUE(audit({"--actor", "api:nobody"}).empty());
  auto csv = orch({"audit", "--format", "csv", "--limit", "1"});
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "id,at,actor,action,target,before,after");
}

TEST_P(AuditE2eTest, ABackfillIsAuditedWithWhatItQueued) {
  add_team(3, "Three");
  auto yesterday =
      date::format("%F", date::floor<date::days>(std::chrono::system_clock::now()) - date::days(1));
  auto two_days_ago =
      date::format("%F", date::floor<date::days>(std::chrono::system_clock::now()) - date::days(2));
  auto filled = orch({"backfill", "--team", "3", "--from", two_days_ago, "--to", yesterday});
  ASSERT_EQ(filled.exit_code, 0) << filled.out << filled.err;
  auto entries = audit({"--target", "team:3"});
  ASSERT_EQ(entries.size(), 2u) << entries.dump(2);
  EXPECT_EQ(entries[0]["action"], "backfill");
  EXPECT_EQ(entries[0]["after"], nlohmann::json({{"pipeline", "daily"},
                                                 {"from", two_days_ago},
                                                 {"to", yesterday},
                                                 {"force", false},
                                                 {"days", 2},
                                                 {"to_run", 2}}));
  // Run again, both days are done: it queues none, and says so.
  ASSERT_EQ(orch({"backfill", "--team", "3", "--from", two_days_ago, "--to", yesterday}).exit_code,
            0);
  EXPECT_EQ(audit({"--target", "team:3", "--limit", "1"})[0]["after"]["to_run"], 0);
}

TEST_P(AuditE2eTest, BadOptionsAreOneLineAndWriteNothing) {
  add_team(1, "One");
  auto control = orch({"teams", "pause", "1", "--note", "bad\x1b[31m"});
  EXPECT_EQ(control.exit_code, 2);
  EXPECT_NE(control.err.find("--note: a pause note is UTF-8 text without control characters"),
            std::string::npos)
      << control.err;
  auto too_long = orch({"teams", "pause", "1", "--note", std::string(501, 'x')});
  EXPECT_EQ(too_long.exit_code, 2);
  EXPECT_NE(too_long.err.find("--note: a pause note is 1 to 500 bytes"), std::string::npos);
  auto on_resume = orch({"teams", "resume", "1", "--note", std::string(501, 'x')});
  EXPECT_EQ(on_resume.exit_code, 2);
  EXPECT_NE(on_resume.err.find("--note: a pause note is 1 to 500 bytes"), std::string::npos);
  auto limit = orch({"audit", "--limit", "0"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_NE(limit.err.find("--limit 0 is not allowed: use a whole number from 1 to 1000"),
            std::string::npos)
      << limit.err;
  EXPECT_FALSE(team_row(1)["paused"]);
  EXPECT_EQ(audit().size(), 1u);  // the team's addition only
}

TEST_P(AuditE2eTest, TheApiPausesWithANoteAndAuditsItAsTheTokensName) {
  add_team(7, "Seven");
  auto service = serve_api();

  auto paused =
      post(port_, "/api/v1/teams/7/pause", kAdminToken, R"({"note": "ledger migration"})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  auto team = json_of(paused);
  EXPECT_EQ(team["id"], "7");
  EXPECT_EQ(team["name"], "Seven");
  EXPECT_EQ(team["state"], "paused");
  EXPECT_EQ(team["pause_note"], "ledger migration");
  // The command line sees it.
  auto row = team_row(7);
  EXPECT_EQ(row["paused"], true);
  EXPECT_EQ(row["pause_note"], "ledger migration");

  // One pipeline alone, with its own note.
  auto month_end = post(port_, "/api/v1/teams/7/pause", kAdminToken,
                        R"({"pipeline": "month_end", "note": "no month end this quarter"})");
  ASSERT_EQ(month_end.status, 200) << month_end.body;
  auto pipelines = json_of(month_end)["pipelines"];
  ASSERT_EQ(pipelines.size(), 1u) << month_end.body;
  EXPECT_EQ(pipelines[0]["name"], "month_end");
  EXPECT_EQ(pipelines[0]["state"], "paused");
  EXPECT_EQ(pipelines[0]["pause_note"], "no month end this quarter");

  // A resume's note clears the pause note and is kept in the audit entry.
  auto resumed =
      post(port_, "/api/v1/teams/7/resume", kAdminToken, R"({"note": "the vendor fixed it"})");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(json_of(resumed)["state"], "active");
  EXPECT_TRUE(json_of(resumed)["pause_note"].is_null());

  // Reschedule answers once the live service (this one) applied it.
  auto rescheduled = post(port_, "/api/v1/reschedule", kAdminToken, "{}");
  ASSERT_EQ(rescheduled.status, 200) << rescheduled.body;
  EXPECT_EQ(json_of(rescheduled)["applied"], 1);

  // The audit log over HTTP: newest first, by the token's name, paged with a cursor.
  auto page = http_get(port_, "/api/v1/audit?limit=2", kReadToken);
  ASSERT_EQ(page.status, 200) << page.body;
  auto first = json_of(page);
  ASSERT_EQ(first["entries"].size(), 2u) << page.body;
  EXPECT_EQ(first["entries"][0]["action"], "reschedule");
  EXPECT_EQ(first["entries"][0]["actor"], "api:ops");
  EXPECT_EQ(first["entries"][1]["action"], "teams.resume");
  EXPECT_EQ(first["entries"][1]["target"], "team:7");
  EXPECT_EQ(first["entries"][1]["after"]["resume_note"], "the vendor fixed it") << page.body;
  EXPECT_EQ(first["entries"][1]["after"]["paused"], false) << page.body;
  ASSERT_TRUE(first["next_cursor"].is_string());
  auto second = json_of(
      http_get(port_, "/api/v1/audit?limit=2&cursor=" + first["next_cursor"].get<std::string>(),
               kReadToken));
  ASSERT_EQ(second["entries"].size(), 2u) << second.dump();
  EXPECT_EQ(second["entries"][0]["target"], "team:7/pipeline:month_end");
  EXPECT_EQ(second["entries"][0]["after"]["pipeline:month_end/pause_note"],
            "no month end this quarter");
  EXPECT_EQ(second["entries"][1]["action"], "teams.pause");
  EXPECT_EQ(second["entries"][1]["after"]["pause_note"], "ledger migration");
  auto third = json_of(
      http_get(port_, "/api/v1/audit?limit=2&cursor=" + second["next_cursor"].get<std::string>(),
               kReadToken));
  ASSERT_EQ(third["entries"].size(), 1u) << third.dump();
  EXPECT_EQ(third["entries"][0]["action"], "teams.add");
  EXPECT_EQ(third["entries"][0]["actor"], this_user());
  EXPECT_TRUE(third["next_cursor"].is_null());

  // Filters: a team's target finds its pipelines' too.
  auto of_team = json_of(http_get(port_, "/api/v1/audit?target=team:7&actor=api:ops", kReadToken));
  EXPECT_EQ(of_team["entries"].size(), 3u) << of_team.dump();
  // The command line lists what the API wrote.
  EXPECT_EQ(audit({"--actor", "api:ops"}).size(), 4u);
}

TEST_P(AuditE2eTest, TheApiRefusesReadTokensAndBadInput) {
  add_team(7, "Seven");
  auto service = serve_api();

  expect_problem(post(port_, "/api/v1/teams/7/pause", kReadToken, "{}"), 403, "");
  expect_problem(post(port_, "/api/v1/reschedule", kReadToken, "{}"), 403, "");
  expect_problem(post(port_, "/api/v1/teams/7/pause", "", "{}"), 401, "");
  const std::vector<std::tuple<std::string, std::string, int, std::string>> cases = {
      {"/api/v1/teams/general/pause", "{}", 400, "general"},
      {"/api/v1/teams/abc/pause", "{}", 400, "team abc"},
      {"/api/v1/teams/0/resume", "{}", 400, "team 0"},
      {"/api/v1/teams/99/pause", "{}", 404, "team 99 does not exist"},
      {"/api/v1/teams/7/pause", "{not json", 400, "not JSON"},
      {"/api/v1/teams/7/pause", "[1,2]", 400, "not a JSON object"},
      {"/api/v1/teams/7/pause", R"({"note": 5})", 400, "note: use a string"},
      {"/api/v1/teams/7/pause", R"({"pipeline": true})", 400, "pipeline: use a string"},
      {"/api/v1/teams/7/pause", R"({"colour": "red"})", 400, "unknown field 'colour'"},
      {"/api/v1/teams/7/pause", R"({"pipeline": "nope"})", 400, "pipeline: 'nope'"},
      {"/api/v1/teams/7/pause", R"({"note": ""})", 400, "note: a pause note is 1 to 500"},
      {"/api/v1/teams/7/pause", R"({"note": "a\u0007b"})", 400, "note: a pause note is UTF-8"},
      {"/api/v1/teams/7/resume", R"({"note": ""})", 400, "note: a pause note is 1 to 500 bytes"},
      {"/api/v1/reschedule", R"({"timeout_seconds": "soon"})", 400, "timeout_seconds"},
      {"/api/v1/reschedule", R"({"timeout_seconds": 61})", 400, "timeout_seconds"},
  };
  for (const auto& [target, body, status, detail] : cases) {
    SCOPED_TRACE(target + " " + body);
    expect_problem(post(port_, target, kAdminToken, body), status, detail);
  }
  for (const char* target : {"/api/v1/audit?limit=0", "/api/v1/audit?cursor=x",
                             "/api/v1/audit?target=", "/api/v1/audit?colour=red"}) {
    SCOPED_TRACE(target);
    expect_problem(http_get(port_, target, kReadToken), 400,
                   std::string(target).substr(std::string(target).find('?') + 1, 5));
  }
  // Nothing was changed, nothing was audited but the team's addition.
  EXPECT_EQ(team_row(7)["paused"], false);
  auto all = json_of(http_get(port_, "/api/v1/audit", kReadToken));
  EXPECT_EQ(all["entries"].size(), 1u) << all.dump();
}

TEST_P(AuditE2eTest, AChangeWhoseAuditEntryCannotBeWrittenSaysSoAndExits4) {
  add_team(1, "One");
  // The fault: the table is gone, so the entry's write fails after the change went through.
  auto dropped = sql("DROP TABLE audit_log");
  ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
  auto paused = orch({"teams", "pause", "1", "--note", "disk swap"});
  EXPECT_EQ(paused.exit_code, 4) << paused.out << paused.err;
  auto errors = lines_containing(paused.err, "error: ");
  ASSERT_EQ(errors.size(), 1u) << paused.err;
  EXPECT_NE(errors[0].find("the change was made, but its audit entry was not written"),
            std::string::npos)
      << errors[0];
  EXPECT_EQ(team_row(1)["pause_note"], "disk swap");
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditE2eTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         backend_param_name);

}  // namespace
}  // namespace orch::testing
