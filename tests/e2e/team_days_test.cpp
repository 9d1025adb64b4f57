// Every team-day explained, over real HTTP against a real `serve` with real runs: the teams list,
// one team, the calendar and "why", and `orchestrator why`.

#include <signal.h>

#include <regex>

#include "config/base/time.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/http_client.h"

namespace orch::testing {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
constexpr const char* kReadToken = "read-token-0123456789abcdef";

int api_port(BackgroundProcess& service) {
  std::smatch m;
  std::string out = service.output();
  static const std::regex kLine("api_listening address=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(out, m, kLine) ? std::stoi(m[1]) : 0;
}

SysTime now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string utc_day(SysTime t, int days_later = 0) {
  return format_date(Date(std::chrono::floor<date::days>(t) + date::days(days_later)));
}

class TeamDaysTest : public E2eTest {
 protected:
  std::unique_ptr<BackgroundProcess> serve_api(std::map<std::string, std::string> env) {
    write_file(dir_ / "orchestrator.toml",
               std::string("[api]\ntokens = [{ name = \"viewer\", token = \"") + kReadToken +
                   "\", role = \"read\" }]\n");
    env.emplace("API_TOKEN", kAdminToken);
    auto service = serve(env);
    EXPECT_TRUE(wait_for_log(*service, "ready")) << service->output();
    port_ = api_port(*service);
    EXPECT_NE(port_, 0) << service->output();
    return service;
  }

  // GET with the read token: the body as JSON, and a test failure unless it is 200.
  nlohmann::json get(const std::string& target) {
    auto reply = http_get(port_, target, kReadToken);
    EXPECT_EQ(reply.status, 200) << target << ": " << reply.body;
    return nlohmann::json::parse(reply.body, nullptr, false);
  }

  void expect_problem(const std::string& target, int status, const std::string& detail_part) {
    SCOPED_TRACE(target);
    auto reply = http_get(port_, target, kReadToken);
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.header("content-type"), "application/problem+json");
    auto body = nlohmann::json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << reply.body;
    std::string detail = body.value("detail", "");
    EXPECT_NE(detail.find(detail_part), std::string::npos) << detail;
  }

  // Makes team `id` look as if it had been added at `at`.
  void added_at(int id, SysTime at) {
    auto r = sqlite("UPDATE sales_teams SET created_at = '" + format_utc(at) +
                    "', active_since = '" + format_utc(at) + "' WHERE id = " + std::to_string(id));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static const nlohmann::json* find_team(const nlohmann::json& list, const std::string& id) {
    for (const auto& t : list) {
      if (t["id"] == id) {
        return &t;
      }
    }
    return nullptr;
  }

  int port_ = 0;
};

TEST_F(TeamDaysTest, TheTeamsListShowsACompletedAFailedAndAPausedTeam) {
  add_team(1, "North");
  add_team(2, "West");
  add_team(3, "East", {"--slack-webhook", "https://hooks.example.com/services/SECRETPART"});
  ASSERT_EQ(orch({"teams", "pause", "3", "--note", "tape late"}).exit_code, 0);
  // Team 2's pipeline fails; every other one completes.
  auto service =
      serve_api({{"DAILY_RUN_TIME", utc_time_in(2)},
                 {"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "test \"$SALES_TEAM_ID\" != 2"])"},
                 {"PIPELINE_ISOLATION", "none"},
                 {"GENERAL_RUN_ENABLED", "true"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--team", "1", "--status", "completed"}).size() == 1 &&
               runs_json({"--team", "2", "--status", "failed"}).size() == 1;
      },
      seconds(30)))
      << runs_json().dump(2) << service->output();
  const std::string run_date = runs_json({"--team", "1"})[0]["run_date"];

  auto teams = get("/api/v1/teams");
  ASSERT_TRUE(teams["teams"].is_array()) << teams.dump(2);
  EXPECT_TRUE(teams["next_cursor"].is_null());
  ASSERT_EQ(teams["teams"].size(), 4u) << teams.dump(2);
  EXPECT_EQ(teams["teams"][0]["id"], "general");
  EXPECT_TRUE(teams["teams"][0]["sales_team_id"].is_null());

  const auto* north = find_team(teams["teams"], "1");
  ASSERT_NE(north, nullptr);
  EXPECT_EQ((*north)["name"], "North");
  EXPECT_EQ((*north)["state"], "active");
  EXPECT_EQ((*north)["sales_team_id"], 1);
  EXPECT_EQ((*north)["timezone"], "UTC");
  EXPECT_EQ((*north)["schedule"].get<std::string>().rfind("daily ", 0), 0u) << *north;
  ASSERT_EQ((*north)["last_outcomes"].size(), 1u) << *north;
  EXPECT_EQ((*north)["last_outcomes"][0]["status"], "completed");
  EXPECT_EQ((*north)["last_outcomes"][0]["run_date"], run_date);
  EXPECT_FALSE((*north)["overdue"].get<bool>());
  EXPECT_TRUE((*north)["running"].is_null());
  // Its next slot is tomorrow's, at the same time, in UTC and in its zone.
  ASSERT_TRUE((*north)["next_run"].is_object()) << *north;
  auto next = parse_utc((*north)["next_run"]["utc"].get<std::string>());
  ASSERT_TRUE(next);
  EXPECT_GT(*next, now());
  EXPECT_LT(*next, now() + hours(25));
  EXPECT_EQ((*north)["next_run"]["local"].get<std::string>().substr(19), "+00:00");
  ASSERT_EQ((*north)["pipelines"].size(), 1u);
  EXPECT_EQ((*north)["pipelines"][0]["name"], "daily");
  EXPECT_EQ((*north)["pipelines"][0]["last_outcomes"], (*north)["last_outcomes"]);

  const auto* west = find_team(teams["teams"], "2");
  ASSERT_NE(west, nullptr);
  ASSERT_EQ((*west)["last_outcomes"].size(), 1u) << *west;
  EXPECT_EQ((*west)["last_outcomes"][0]["status"], "failed");

  const auto* east = find_team(teams["teams"], "3");
  ASSERT_NE(east, nullptr);
  EXPECT_EQ((*east)["state"], "paused");
  EXPECT_EQ((*east)["pause_note"], "tape late");
  EXPECT_TRUE((*east)["next_run"].is_null()) << *east;
  EXPECT_TRUE((*east)["last_outcomes"].empty()) << *east;
  EXPECT_FALSE((*east)["overdue"].get<bool>());

  // Pages, in order, the general run first.
  auto first = get("/api/v1/teams?limit=2");
  ASSERT_EQ(first["teams"].size(), 2u);
  EXPECT_EQ(first["teams"][1]["id"], "1");
  ASSERT_EQ(first["next_cursor"], "1");
  auto second = get("/api/v1/teams?limit=2&cursor=1");
  ASSERT_EQ(second["teams"].size(), 2u);
  EXPECT_EQ(second["teams"][0]["id"], "2");
  EXPECT_EQ(second["teams"][1]["id"], "3");
  EXPECT_TRUE(second["next_cursor"].is_null());

  // One team, with its settings; the webhook is a secret.
  auto reply = http_get(port_, "/api/v1/teams/3", kReadToken);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body.find("SECRETPART"), std::string::npos) << reply.body;
  auto one = nlohmann::json::parse(reply.body);
  EXPECT_EQ(one["state"], "paused");
  EXPECT_EQ(one["settings"]["notify_slack_webhook"], "***");
  EXPECT_TRUE(one["settings"]["retry_max_attempts"].is_null());
  EXPECT_EQ(get("/api/v1/teams/general")["id"], "general");
  // Its day: paused since the pause the audit log recorded, with its note.
  auto east_day = get("/api/v1/teams/3/days/" + run_date);
  EXPECT_EQ(east_day["outcome"], "paused") << east_day.dump(2);
  EXPECT_EQ(east_day["history"], "audit log");
  EXPECT_NE(east_day["reason"].get<std::string>().find(": tape late"), std::string::npos)
      << east_day["reason"];

  expect_problem("/api/v1/teams/99", 404, "team 99 does not exist");
  expect_problem("/api/v1/teams/abc", 400, "team abc");
  expect_problem("/api/v1/teams?limit=0", 400, "limit=0");
  expect_problem("/api/v1/teams?color=red", 400, "unknown query parameter 'color'");
  EXPECT_EQ(http_get(port_, "/api/v1/teams").status, 401);

  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
}

TEST_F(TeamDaysTest, TheCalendarAndWhyExplainEveryDayOfATeamAddedMidRange) {
  // Every team's slot is three hours before the test's start: today's (`slot_day`) has passed,
  // and the service below starts past its grace, so it records it missed.
  const SysTime start = now();
  const std::string slot_day = utc_day(start - hours(3));
  add_team(1, "North");
  add_team(2, "West");
  added_at(1, start - hours(24 * 10));
  added_at(2, start - hours(24 * 3) + hours(1));  // after day -3's slot, before day -2's
  // Days -4 and -3 were run by a backfill.
  SysTime day0 = SysTime(date::sys_days(*parse_date(slot_day)));
  auto backfill =
      orch({"backfill", "--team", "1", "--from", utc_day(day0, -4), "--to", utc_day(day0, -3)});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;

  const std::string run_time = utc_time_in(-3 * 3600);
  auto service = serve_api({{"DAILY_RUN_TIME", run_time}, {"MISFIRE_GRACE_SECONDS", "60"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "missed"}).size() == 2;
      },
      seconds(20)))
      << runs_json().dump(2) << service->output();

  auto calendar =
      get("/api/v1/calendar?from=" + utc_day(day0, -6) + "&to=" + slot_day + "&pipeline=daily");
  ASSERT_EQ(calendar["dates"].size(), 7u) << calendar.dump(2);
  EXPECT_EQ(calendar["from"], utc_day(day0, -6));
  EXPECT_EQ(calendar["to"], slot_day);
  EXPECT_TRUE(calendar["next_cursor"].is_null());
  // The general run is off here: the teams only, by id.
  ASSERT_EQ(calendar["teams"].size(), 2u) << calendar.dump(2);
  auto outcomes = [&](int row) {
    std::vector<std::string> out;
    for (const auto& d : calendar["teams"][row]["days"]) {
      out.push_back(d["outcome"]);
    }
    return out;
  };
  EXPECT_EQ(calendar["teams"][0]["name"], "North");
  EXPECT_EQ(outcomes(0), (std::vector<std::string>{"missed", "missed", "completed", "completed",
                                                   "missed", "missed", "missed"}))
      << calendar["teams"][0].dump(2);
  EXPECT_EQ(outcomes(1), (std::vector<std::string>{"before_team_existed", "before_team_existed",
                                                   "before_team_existed", "before_team_existed",
                                                   "missed", "missed", "missed"}))
      << calendar["teams"][1].dump(2);
  const auto& north_days = calendar["teams"][0]["days"];
  EXPECT_TRUE(north_days[2]["run_id"].is_string());
  EXPECT_TRUE(north_days[0]["run_id"].is_null());
  EXPECT_NE(north_days[0]["reason"].get<std::string>().find("no service was running at"),
            std::string::npos)
      << north_days[0];
  EXPECT_NE(
      calendar["teams"][1]["days"][0]["reason"].get<std::string>().find("the team was added at"),
      std::string::npos);
  // The last column is the service's missed record, with what it found.
  EXPECT_TRUE(north_days[6]["run_id"].is_string());
  EXPECT_NE(north_days[6]["reason"].get<std::string>().find("grace window"), std::string::npos)
      << north_days[6];

  // Paging over the owners.
  auto page = get("/api/v1/calendar?from=" + slot_day + "&to=" + slot_day + "&limit=1");
  ASSERT_EQ(page["teams"].size(), 1u);
  ASSERT_EQ(page["next_cursor"], "1");
  auto rest = get("/api/v1/calendar?from=" + slot_day + "&to=" + slot_day + "&cursor=1");
  ASSERT_EQ(rest["teams"].size(), 1u);
  EXPECT_EQ(rest["teams"][0]["id"], "2");
  // Without dates: the last 30 days, today included.
  auto recent = get("/api/v1/calendar");
  ASSERT_EQ(recent["dates"].size(), 30u);
  EXPECT_EQ(recent["to"], utc_day(now()));

  // Why: the missed record of the service's start, and a day with no row at all.
  auto missed = get("/api/v1/teams/1/days/" + slot_day);
  EXPECT_EQ(missed["outcome"], "missed") << missed.dump(2);
  EXPECT_EQ(missed["team"], "1");
  EXPECT_EQ(missed["pipeline"], "daily");
  EXPECT_EQ(missed["schedule"], "daily " + run_time);
  EXPECT_EQ(missed["timezone"], "UTC");
  ASSERT_EQ(missed["slots"].size(), 1u);
  EXPECT_EQ(missed["slots"][0]["slot_key"], slot_day);
  EXPECT_TRUE(missed["slots"][0]["schedule_note"].is_null());
  ASSERT_EQ(missed["attempts"].size(), 1u);
  EXPECT_EQ(missed["attempts"][0]["status"], "missed");
  EXPECT_TRUE(missed["attempts"][0]["notifications"].is_array());
  std::string reason = missed["reason"];
  EXPECT_NE(reason.find("no service was running at " + slot_day), std::string::npos) << reason;
  EXPECT_NE(reason.find("the next one seen was"), std::string::npos) << reason;

  auto gap = get("/api/v1/teams/1/days/" + utc_day(day0, -1));
  EXPECT_EQ(gap["outcome"], "missed");
  EXPECT_TRUE(gap["attempts"].empty());
  EXPECT_TRUE(gap["run_id"].is_null());
  EXPECT_NE(gap["reason"].get<std::string>().find("no run recorded: no service was running"),
            std::string::npos)
      << gap.dump(2);
  EXPECT_EQ(get("/api/v1/teams/2/days/" + utc_day(day0, -4))["outcome"], "before_team_existed");

  // The command line says the same.
  // (with the service's configuration: the schedule is the configuration's)
  const std::map<std::string, std::string> same{{"DAILY_RUN_TIME", run_time},
                                                {"MISFIRE_GRACE_SECONDS", "60"}};
  auto cli = orch({"why", "--team", "1", "--date", utc_day(day0, -1)}, same);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("team 1 \"North\" on " + utc_day(day0, -1) + ": missed"),
            std::string::npos)
      << cli.out;
  EXPECT_NE(cli.out.find("no service was running"), std::string::npos) << cli.out;
  auto cli_json = orch({"why", "--team", "1", "--date", slot_day, "--format", "json"}, same);
  ASSERT_EQ(cli_json.exit_code, 0) << cli_json.err;
  auto parsed = nlohmann::json::parse(cli_json.out, nullptr, false);
  EXPECT_EQ(parsed["outcome"], "missed");
  EXPECT_EQ(parsed["attempts"], missed["attempts"]);
  EXPECT_EQ(parsed["slots"], missed["slots"]);

  // Bad input.
  expect_problem("/api/v1/calendar?from=2026-01-01&to=2026-06-01", 400, "at most 92 days");
  expect_problem("/api/v1/calendar?from=2026-02-01&to=2026-01-01", 400, "is after to=");
  expect_problem("/api/v1/calendar?from=yesterday", 400, "from=yesterday: use a date");
  expect_problem("/api/v1/calendar?pipeline=weekly", 400, "pipeline 'weekly' is not configured");
  expect_problem("/api/v1/teams/1/days/2026-02-30", 400, "date=2026-02-30");
  expect_problem("/api/v1/teams/9/days/2026-02-03", 404, "team 9 does not exist");
  expect_problem("/api/v1/teams/1/days/2026-02-03?x=1", 400, "unknown query parameter 'x'");

  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
}

TEST_F(TeamDaysTest, WhyShowsBothAttemptsOfADayThatWasRetried) {
  add_team(1, "Flaky");
  // Fails on its first start, completes on the second.
  auto counter = dir_ / "starts";
  std::string script = "n=$(cat '" + counter.string() + "' 2>/dev/null || echo 0); n=$((n+1)); " +
                       "echo $n > '" + counter.string() + "'; test $n -ge 2";
  nlohmann::json command = {"/bin/sh", "-c", script};
  auto service = serve_api({{"DAILY_RUN_TIME", utc_time_in(2)},
                            {"PIPELINE_COMMAND", command.dump()},
                            {"PIPELINE_ISOLATION", "none"},
                            {"PIPELINE_RETRY_MAX_ATTEMPTS", "2"},
                            {"PIPELINE_RETRY_INITIAL_DELAY_SECONDS", "1"}});
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json({"--team", "1"});
        return runs.size() == 2 && runs[0]["status"] == "completed";
      },
      seconds(40)))
      << runs_json().dump(2) << service->output();
  auto runs = runs_json({"--team", "1"});  // newest first
  const std::string run_date = runs[0]["run_date"];

  auto why = get("/api/v1/teams/1/days/" + run_date);
  EXPECT_EQ(why["outcome"], "completed") << why.dump(2);
  EXPECT_EQ(why["run_id"], runs[0]["run_id"]);
  EXPECT_NE(why["reason"].get<std::string>().find("completed at attempt 2"), std::string::npos)
      << why["reason"];
  ASSERT_EQ(why["attempts"].size(), 2u);
  EXPECT_EQ(why["attempts"][0]["run_id"], runs[1]["run_id"]);  // oldest first
  EXPECT_EQ(why["attempts"][0]["status"], "failed");
  EXPECT_EQ(why["attempts"][0]["attempt"], 1);
  EXPECT_EQ(why["attempts"][1]["status"], "completed");
  EXPECT_EQ(why["attempts"][1]["attempt"], 2);
  EXPECT_EQ(why["attempts"][1]["triggered_by"], "retry");
  ASSERT_EQ(why["slots"].size(), 1u);
  EXPECT_EQ(why["slots"][0]["scheduled_for"].get<std::string>(),
            runs[1]["scheduled_for"].get<std::string>().substr(0, 19) + "Z");
  EXPECT_EQ(why["slots"][0]["local"].get<std::string>().substr(19), "+00:00");

  auto cli = orch({"why", "--team", "1", "--date", run_date});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find(": completed"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find(runs[0]["run_id"].get<std::string>()), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find(runs[1]["run_id"].get<std::string>()), std::string::npos) << cli.out;
  auto bad = orch({"why", "--date", run_date});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("give exactly one of --team ID or --general"), std::string::npos)
      << bad.err;
  auto bad_date = orch({"why", "--team", "1", "--date", "05/12/2026"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_NE(bad_date.err.find("--date 05/12/2026: use a date, YYYY-MM-DD"), std::string::npos)
      << bad_date.err;

  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
}

}  // namespace
}  // namespace orch::testing
