// The dashboard at `/`: its files as the server gives them, and the pages in a real headless
// Chromium (tests/e2e/dashboard_browser.py, driven through Selenium) against a real `serve`
// with real teams and runs. Screenshots land in the build folder, dashboard-screenshots/.

#include <fstream>
#include <regex>

#include <date/date.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/http_client.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
constexpr const char* kReadToken = "read-token-0123456789abcdef";
constexpr const char* kXssName = "<img src=x onerror=alert(1)>";

class DashboardTest : public E2eTest {
 protected:
  // Teams 1 (North, a completed run), 2 (the hostile name) and 3 (South, a failed run), and a
  // service with an admin token and a read token named "viewer", no slot due while it runs.
  void start_service(std::map<std::string, std::string> env = {}) {
    add_team(1, "North");
    add_team(2, kXssName);
    add_team(3, "South");
    auto ran = orch({"run", "--team", "1"});
    ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
    auto failed =
        orch({"run", "--team", "3"},
             {{"PIPELINE_COMMAND", R"(["/bin/sh", "-c", "echo the tape is torn; exit 3"])"}});
    ASSERT_EQ(failed.exit_code, 1) << failed.out << failed.err;
    auto runs = runs_json();
    ASSERT_EQ(runs.size(), 2u);
    for (const auto& run : runs) {
      (run["status"] == "completed" ? run_id_ : failed_run_id_) = run["run_id"];
      if (run["status"] == "completed") {
        log_text_ = last_line(run["log_path"].get<std::string>());
      }
    }
    ASSERT_FALSE(log_text_.empty());

    write_file(dir_ / "orchestrator.toml",
               std::string("[api]\ntokens = [{ name = \"viewer\", token = \"") + kReadToken +
                   "\", role = \"read\" }]\n");
    env.emplace("API_TOKEN", kAdminToken);
    env.emplace("DAILY_RUN_TIME", utc_time_in(-3600));
    service_ = serve(env);
    ASSERT_TRUE(wait_for_log(*service_, "ready")) << service_->output();
    std::smatch m;
    std::string out = service_->output();
    ASSERT_TRUE(
        std::regex_search(out, m, std::regex("api_listening address=127\\.0\\.0\\.1:(\\d+)")))
        << out;
    port_ = std::stoi(m[1]);
  }

  static std::string last_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
      if (!line.empty()) {
        last = line;
      }
    }
    return last;
  }

  // Runs one scenario of dashboard_browser.py; its failure names the check that failed.
  CommandResult browse(const std::string& scenario) {
    std::filesystem::path shots = std::filesystem::path(ORCH_BUILD_DIR) / "dashboard-screenshots";
    std::filesystem::create_directories(shots);
    CommandOptions options;
    options.timeout = seconds(120);
    auto today = date::format("%F", date::floor<date::days>(std::chrono::system_clock::now()));
    return run_command(
        {"/usr/bin/python3", std::string(ORCH_SOURCE_DIR) + "/tests/e2e/dashboard_browser.py",
         scenario, "--url", "http://127.0.0.1:" + std::to_string(port_) + "/", "--shots",
         shots.string(), "--admin-token", kAdminToken, "--read-token", kReadToken, "--run-id",
         run_id_, "--failed-run-id", failed_run_id_, "--log-text", log_text_, "--today", today},
        options);
  }

  std::unique_ptr<BackgroundProcess> service_;
  int port_ = 0;
  std::string run_id_;
  std::string failed_run_id_;
  std::string log_text_;
};

#define EXPECT_SCENARIO_PASSES(scenario)                                            \
  do {                                                                              \
    auto browsed = browse(scenario);                                                \
    EXPECT_EQ(browsed.exit_code, 0) << browsed.err << browsed.out << "\nservice:\n" \
                                    << service_->output();                          \
  } while (false)

TEST_F(DashboardTest, ItsFilesArePublicRevalidatedAndAllowNoInlineScriptOrStyle) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  auto page = http_get(port_, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  const std::string policy = page.header("content-security-policy");
  EXPECT_NE(policy.find("default-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(page.header("cache-control"), "no-cache");
  // The policy forbids inline code: the page must not need any.
  EXPECT_FALSE(std::regex_search(page.body, std::regex("<script(?![^>]*\\bsrc=)")));
  EXPECT_EQ(page.body.find("style="), std::string::npos);
  EXPECT_EQ(page.body.find("<style"), std::string::npos);
  EXPECT_FALSE(std::regex_search(page.body, std::regex("\\son[a-z]+=")))
      << "an inline event handler";
  EXPECT_EQ(page.body.find("http"), std::string::npos) << "a file from another site";

  std::string etag = page.header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = http_exchange(port_, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag +
                                        "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  const std::vector<std::pair<std::string, std::string>> files = {
      {"/assets/app.js", "text/javascript; charset=utf-8"},
      {"/assets/style.css", "text/css; charset=utf-8"},
      {"/assets/favicon.svg", "image/svg+xml"}};
  for (const auto& [path, type] : files) {
    SCOPED_TRACE(path);
    auto file = http_get(port_, path);
    EXPECT_EQ(file.status, 200);
    EXPECT_EQ(file.header("content-type"), type);
    EXPECT_FALSE(file.body.empty());
  }
  EXPECT_EQ(http_get(port_, "/assets/no-such.js").status, 404);
  // The files are public; the data is not, and API answers keep the API's strict policy.
  auto data = http_get(port_, "/api/v1/runs");
  EXPECT_EQ(data.status, 401);
  EXPECT_NE(data.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(data.header("cache-control"), "no-store");
}

TEST_F(DashboardTest, WhoamiNamesTheTokenAndItsRole) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  EXPECT_EQ(http_get(port_, "/api/v1/whoami").status, 401);
  auto read = http_get(port_, "/api/v1/whoami", kReadToken);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(nlohmann::json::parse(read.body),
            (nlohmann::json{{"name", "viewer"}, {"role", "read"}}));
  auto admin = http_get(port_, "/api/v1/whoami", kAdminToken);
  ASSERT_EQ(admin.status, 200);
  EXPECT_EQ(nlohmann::json::parse(admin.body),
            (nlohmann::json{{"name", "api.token"}, {"role", "admin"}}));
}

TEST_F(DashboardTest, ABrowserLogsInFiltersTheRunsAndOpensARunWithItsLog) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  EXPECT_SCENARIO_PASSES("login_and_runs");
}

TEST_F(DashboardTest, TheBoardShowsEveryTeamTheFailedFirstAndAHostileNameAsText) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  EXPECT_SCENARIO_PASSES("board");
}

TEST_F(DashboardTest, ACalendarCellOpensThatDaysWhy) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  EXPECT_SCENARIO_PASSES("calendar");
}

TEST_F(DashboardTest, AnAdminRunsATeamNowAndWatchesItComplete) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  auto browsed = browse("run_now");
  ASSERT_EQ(browsed.exit_code, 0) << browsed.err << browsed.out << "\nservice:\n"
                                  << service_->output();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(browsed.out, m, std::regex("run_now_run_id=(\\S+)")));
  // The run the browser saw complete is in the history: one more run of team 1, through the
  // service, and the cancelled dialog started none.
  auto runs = runs_json({"--team", "1"});
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  EXPECT_EQ(runs[0]["run_id"], m[1].str());
  EXPECT_EQ(runs[0]["status"], "completed");
}

TEST_F(DashboardTest, AnAdminCancelsARunningRunFromItsPage) {
  // The service's runs last a minute: long enough to be cancelled while they run.
  ASSERT_NO_FATAL_FAILURE(start_service({{"PIPELINE_COMMAND", R"(["/bin/sleep", "60"])"}}));
  auto browsed = browse("cancel");
  ASSERT_EQ(browsed.exit_code, 0) << browsed.err << browsed.out << "\nservice:\n"
                                  << service_->output();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(browsed.out, m, std::regex("cancelled_run_id=(\\S+)")));
  auto runs = runs_json({"--team", "1"});
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs[0]["run_id"], m[1].str());
  EXPECT_EQ(runs[0]["status"], "cancelled");
}

TEST_F(DashboardTest, AnAdminPausesATeamWithANoteAndResumesIt) {
  ASSERT_NO_FATAL_FAILURE(start_service());
  EXPECT_SCENARIO_PASSES("pause_resume");
  auto teams = http_get(port_, "/api/v1/teams", kAdminToken);
  ASSERT_EQ(teams.status, 200);
  bool found = false;
  const auto listed = nlohmann::json::parse(teams.body);
  for (const auto& team : listed["teams"]) {
    if (team["id"] == "1") {
      found = true;
      EXPECT_EQ(team["state"], "active") << team.dump();
      EXPECT_TRUE(team["pause_note"].is_null()) << team.dump();
    }
  }
  EXPECT_TRUE(found) << teams.body;
}

}  // namespace
}  // namespace orch::testing
