// The HTTP API of `serve`, over real HTTP against a real service: access, the endpoints, bad
// input, limits, hostile clients, and load while runs happen.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "config/base/time.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/http_client.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kAdminToken = "admin-token-0123456789abcdef";
constexpr const char* kReadToken = "read-token-0123456789abcdef";

// The port the service listens on, from its api_listening line.
int api_port(BackgroundProcess& service) {
  std::smatch m;
  std::string out = service.output();
  static const std::regex kLine("api_listening address=127\\.0\\.0\\.1:([0-9]+)");
  return std::regex_search(out, m, kLine) ? std::stoi(m[1]) : 0;
}

nlohmann::json body_json(const HttpReply& reply) {
  return nlohmann::json::parse(reply.body, nullptr, false);
}

// Every answer carries these, whatever its status.
void expect_security_headers(const HttpReply& reply) {
  EXPECT_EQ(reply.header("x-content-type-options"), "nosniff");
  EXPECT_NE(reply.header("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(reply.header("referrer-policy"), "no-referrer");
}

// A problem (RFC 9457) with a one-line detail.
void expect_problem(const HttpReply& reply, int status, const std::string& detail_part = "") {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.header("content-type"), "application/problem+json");
  auto body = body_json(reply);
  ASSERT_TRUE(body.is_object()) << reply.body;
  EXPECT_EQ(body["status"], status);
  ASSERT_TRUE(body["detail"].is_string());
  std::string detail = body["detail"];
  EXPECT_EQ(detail.find('\n'), std::string::npos);
  EXPECT_NE(detail.find(detail_part), std::string::npos) << detail;
  expect_security_headers(reply);
}

class HttpApiTest : public E2eTest {
 protected:
  // A service with the admin token, a read token, and no scheduled slot in the test's time.
  std::unique_ptr<BackgroundProcess> serve_api(std::map<std::string, std::string> env = {}) {
    write_file(dir_ / "orchestrator.toml",
               std::string("[api]\ntokens = [{ name = \"viewer\", token = \"") + kReadToken +
                   "\", role = \"read\" }]\n");
    env.emplace("API_TOKEN", kAdminToken);
    env.emplace("DAILY_RUN_TIME", utc_time_in(-3600));
    auto service = serve(env);
    EXPECT_TRUE(wait_for_log(*service, "ready")) << service->output();
    port_ = api_port(*service);
    EXPECT_NE(port_, 0) << service->output();
    return service;
  }

  // Manual runs through the command line, each a row of the history.
  void run_team(int team, int times) {
    for (int i = 0; i < times; ++i) {
      auto r = orch({"run", "--team", std::to_string(team)});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    }
  }

  int port_ = 0;
};

TEST_F(HttpApiTest, HealthAnswersAnyoneAndEverythingElseNeedsAToken) {
  auto service = serve_api();
  auto health = http_get(port_, "/healthz");
  EXPECT_EQ(health.status, 200);
  expect_security_headers(health);
  EXPECT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 200; }, seconds(10)));

  for (const char* target : {"/api/v1/runs", "/metrics", "/no/such/path", "/api/v1/runs/x/log"}) {
    SCOPED_TRACE(target);
    auto missing = http_get(port_, target);
    expect_problem(missing, 401, "Bearer");
    EXPECT_EQ(missing.header("www-authenticate"), "Bearer realm=\"orchestrator\"");
    expect_problem(http_get(port_, target, "wrong-token-0123456789abcdef"), 401);
    // A prefix of the right token is a wrong token.
    expect_problem(http_get(port_, target, std::string(kAdminToken).substr(0, 10)), 401);
  }
  EXPECT_EQ(http_get(port_, "/api/v1/runs", kAdminToken).status, 200);
  EXPECT_EQ(http_get(port_, "/api/v1/runs", kReadToken).status, 200);
  EXPECT_EQ(http_get(port_, "/metrics", kReadToken).status, 200);
  // Only a caller with a token learns what does not exist.
  expect_problem(http_get(port_, "/no/such/path", kReadToken), 404, "/no/such/path");
  auto post = http_exchange(
      port_, std::string("POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: "
                         "Bearer ") +
                 kAdminToken + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  expect_problem(post, 405);
  EXPECT_EQ(post.header("allow"), "GET");

  // The tokens are secrets: never in the log.
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
  EXPECT_EQ(service->output().find(kAdminToken), std::string::npos);
  EXPECT_EQ(service->output().find(kReadToken), std::string::npos);
  auto described = orch({"check-config"}, {{"API_TOKEN", kAdminToken}});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  EXPECT_EQ(described.out.find(kAdminToken), std::string::npos) << described.out;
  EXPECT_EQ(described.out.find(kReadToken), std::string::npos) << described.out;
  EXPECT_NE(described.out.find("name = \"viewer\""), std::string::npos) << described.out;
}

TEST_F(HttpApiTest, ReadinessFailsWhileTheServiceStopsAndHealthStillAnswers) {
  add_team(1, "North");
  // A run that outlasts the stop's start, so that the service drains for a while.
  auto service = serve_api({{"DAILY_RUN_TIME", utc_time_in(2)},
                            {"PIPELINE_COMMAND", "[\"/bin/sleep\", \"30\"]"},
                            {"SHUTDOWN_GRACE_SECONDS", "20"}});
  EXPECT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 200; }, seconds(10)));
  ASSERT_TRUE(wait_until(
      [&] {
        return runs_json({"--status", "running"}).size() == 1;
      },
      seconds(20)))
      << service->output();
  service->send_signal(SIGTERM);
  ASSERT_TRUE(wait_for_log(*service, "stopping")) << service->output();
  auto ready = http_get(port_, "/readyz");
  expect_problem(ready, 503, "not ready: the scheduler loop is not running");
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);
  // A second SIGTERM cuts the grace short.
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(30)), 0) << service->output();
}

TEST_F(HttpApiTest, WithoutATokenConfiguredOnlyTheHealthChecksAnswer) {
  auto service = serve({{"DAILY_RUN_TIME", utc_time_in(-3600)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  port_ = api_port(*service);
  ASSERT_NE(port_, 0) << service->output();
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);
  EXPECT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 200; }, seconds(10)));
  for (const char* target : {"/api/v1/runs", "/metrics"}) {
    SCOPED_TRACE(target);
    expect_problem(http_get(port_, target), 403, "api.token");
    expect_problem(http_get(port_, target, "anything-at-all-0123456789"), 403, "API_TOKEN");
  }
}

TEST_F(HttpApiTest, ABusyPortStopsServeAtStartWithOneLine) {
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t size = sizeof address;
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &size), 0);
  std::string listen = "127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  auto service = serve({{"API_LISTEN", listen}});
  EXPECT_EQ(service->wait(seconds(20)), 2) << service->output();
  auto errors = lines_containing(service->output(), "error: ");
  ASSERT_EQ(errors.size(), 1u) << service->output();
  EXPECT_NE(errors[0].find("api.listen = \"" + listen + "\""), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("in use"), std::string::npos) << errors[0];
  EXPECT_EQ(service->output().find("info ready"), std::string::npos) << "it scheduled nonetheless";
  ::close(holder);
}

TEST_F(HttpApiTest, AnEmptyListenAddressTurnsTheApiOff) {
  write_file(dir_ / "orchestrator.toml", "[api]\nlisten = \"\"\n");
  auto service = serve({{"API_LISTEN", ""}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  EXPECT_EQ(service->output().find("api_listening"), std::string::npos) << service->output();
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(20)), 0) << service->output();
}

TEST_F(HttpApiTest, BadInputIsA400NamingTheParameter) {
  auto service = serve_api();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/runs?team=0", "team=0"},
      {"/api/v1/runs?team=abc", "team=abc"},
      {"/api/v1/runs?status=exploded", "status=exploded"},
      {"/api/v1/runs?triggered_by=cron", "triggered_by=cron"},
      {"/api/v1/runs?since=yesterday", "since=yesterday"},
      {"/api/v1/runs?until=2026-13-01", "until=2026-13-01"},
      {"/api/v1/runs?limit=0", "limit=0"},
      {"/api/v1/runs?limit=1001", "limit=1001"},
      {"/api/v1/runs?limit=ten", "limit=ten"},
      {"/api/v1/runs?cursor=xyz", "cursor=xyz"},
      {"/api/v1/runs?colour=red", "colour"},
      {"/api/v1/runs?pipeline=", "pipeline="},
      {"/api/v1/runs?team=%zz", "%"},
      {"/api/v1/runs/run_0000000000000000/log?tail=0", "tail=0"},
      {"/api/v1/runs/run_0000000000000000/log?tail=-3", "tail=-3"},
      {"/api/v1/runs/run_0000000000000000/log?lines=3", "lines"},
  };
  for (const auto& [target, named] : cases) {
    SCOPED_TRACE(target);
    expect_problem(http_get(port_, target, kReadToken), 400, named);
  }
  // Not HTTP at all: a 400 too, and the service goes on.
  auto garbage = http_exchange(port_, "HELLO\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);
}

TEST_F(HttpApiTest, ABodyOver64KiBIsRefusedWith413) {
  auto service = serve_api();
  std::string body(70 * 1024, 'x');
  auto reply = http_exchange(
      port_, std::string("POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                 kAdminToken + "\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
  expect_problem(reply, 413, "65536");
  // Just under the limit reaches the router (which has no POST there).
  std::string fits(64 * 1024, 'x');
  auto under = http_exchange(
      port_, std::string("POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                 kAdminToken + "\r\nConnection: close\r\nContent-Length: " +
                 std::to_string(fits.size()) + "\r\n\r\n" + fits);
  expect_problem(under, 405);
}

TEST_F(HttpApiTest, IdleConnectionsDoNotBlockOthersAndAreClosed) {
  auto service = serve_api();
  std::vector<std::unique_ptr<IdleConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<IdleConnection>(port_));
    ASSERT_TRUE(idle.back()->connected());
  }
  // A connection that sent half a request header holds nothing up either.
  IdleConnection half(port_);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(http_get(port_, "/api/v1/runs?limit=1", kReadToken).status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(5));
  // The server's read timeout (10 s) ends them; a client that never sends is not kept forever.
  for (auto& connection : idle) {
    EXPECT_TRUE(connection->closed_by_server_within(seconds(20)));
  }
}

TEST_F(HttpApiTest, ThePrometheusExpositionPassesPromtool) {
  add_team(1, "North \"quoted\" \\ name");
  add_team(2, "West");
  run_team(1, 1);
  auto service = serve_api({{"DAILY_RUN_TIME", utc_time_in(3)}, {"GENERAL_RUN_ENABLED", "true"}});
  ASSERT_TRUE(wait_until(
      [&] {
        auto runs = runs_json({"--status", "completed", "--since", "2000-01-01"});
        return runs.size() >= 4;
      },
      seconds(30)))
      << runs_json().dump(2);
  auto metrics = http_get(port_, "/metrics", kReadToken);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* name :
       {"orchestrator_runs_total{", "orchestrator_run_duration_seconds_bucket{",
        "orchestrator_run_start_delay_seconds_count",
        "orchestrator_team_last_success_timestamp_seconds{team=\"1\",pipeline=\"daily\"}",
        "orchestrator_team_next_run_timestamp_seconds{team=\"2\"",
        "orchestrator_team_overdue{team=\"general\"", "orchestrator_runs_running",
        "orchestrator_notification_queue_depth", "# TYPE orchestrator_notifications_total counter",
        "orchestrator_database_up 1",
        "orchestrator_build_info{version=", "process_resident_memory_bytes",
        "process_cpu_seconds_total", "process_start_time_seconds"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name << "\n" << metrics.body;
  }
  EXPECT_NE(metrics.body.find("status=\"completed\",triggered_by=\"schedule\""), std::string::npos)
      << metrics.body;
  write_file(dir_ / "metrics.txt", metrics.body);
  auto check =
      run_command({"sh", "-c", "promtool check metrics < " + (dir_ / "metrics.txt").string()});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err << metrics.body;
  EXPECT_EQ(check.out + check.err, "") << "promtool found something to lint";
}

TEST_P(BackendE2eTest, TheRunsEndpointsFilterPageAndShowOneRun) {
  add_team(1, "North");
  add_team(2, "West");
  write_tape(team_inputs(1), 3, 1, today_utc_compact());
  for (int i = 0; i < 5; ++i) {
    auto r = orch({"run", "--team", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  ASSERT_EQ(orch({"run", "--team", "2"}).exit_code, 0);
  auto service = serve({{"API_TOKEN", kAdminToken}, {"DAILY_RUN_TIME", utc_time_in(-3600)}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  int port = api_port(*service);
  ASSERT_NE(port, 0);

  auto all = body_json(http_get(port, "/api/v1/runs", kAdminToken));
  ASSERT_EQ(all["runs"].size(), 6u) << all.dump(2);
  EXPECT_TRUE(all["next_cursor"].is_null());
  auto team1 = body_json(
      http_get(port, "/api/v1/runs?team=1&status=completed&triggered_by=manual", kAdminToken));
  ASSERT_EQ(team1["runs"].size(), 5u);
  for (const auto& run : team1["runs"]) {
    EXPECT_EQ(run["team"], "1");
    EXPECT_EQ(run["sales_team_id"], 1);
    EXPECT_EQ(run["pipeline"], "daily");
    EXPECT_EQ(run["total_loans"], 4);
  }
  EXPECT_EQ(body_json(http_get(port, "/api/v1/runs?pipeline=daily", kAdminToken))["runs"].size(),
            6u);
  EXPECT_TRUE(
      body_json(http_get(port, "/api/v1/runs?pipeline=month_end", kAdminToken))["runs"].empty());
  EXPECT_TRUE(
      body_json(http_get(port, "/api/v1/runs?since=2999-01-01", kAdminToken))["runs"].empty());
  EXPECT_TRUE(
      body_json(http_get(port, "/api/v1/runs?until=2000-01-01T00:00:00Z", kAdminToken))["runs"]
          .empty());
  EXPECT_TRUE(
      body_json(http_get(port, "/api/v1/runs?triggered_by=schedule", kAdminToken))["runs"].empty());

  // Pages of two, newest first: every run once, in the order of the whole list.
  std::vector<std::string> paged;
  std::string target = "/api/v1/runs?limit=2";
  for (int page = 0; page < 10; ++page) {
    auto reply = body_json(http_get(port, target, kAdminToken));
    ASSERT_TRUE(reply.is_object());
    EXPECT_LE(reply["runs"].size(), 2u);
    for (const auto& run : reply["runs"]) {
      paged.push_back(run["run_id"]);
    }
    if (reply["next_cursor"].is_null()) {
      break;
    }
    target = "/api/v1/runs?limit=2&cursor=" + reply["next_cursor"].get<std::string>();
  }
  std::vector<std::string> whole;
  for (const auto& run : all["runs"]) {
    whole.push_back(run["run_id"]);
  }
  EXPECT_EQ(paged, whole);

  const std::string run_id = team1["runs"][0]["run_id"];
  auto one = http_get(port, "/api/v1/runs/" + run_id, kAdminToken);
  ASSERT_EQ(one.status, 200) << one.body;
  auto row = body_json(one);
  EXPECT_EQ(row["run_id"], run_id);
  EXPECT_EQ(row["status"], "completed");
  ASSERT_TRUE(row["inputs"].is_array());
  EXPECT_EQ(row["inputs"].size(), 1u);
  EXPECT_TRUE(row["metrics"].is_object());
  EXPECT_TRUE(row["notifications"].is_array());
  expect_problem(http_get(port, "/api/v1/runs/run_ffffffffffffffff", kAdminToken), 404,
                 "run_ffffffffffffffff");

  auto log = http_get(port, "/api/v1/runs/" + run_id + "/log", kAdminToken);
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(log.header("content-type"), "text/plain; charset=utf-8");
  auto on_disk = read_file(team_outputs(1) / "runs" / run_id / "pipeline.log");
  EXPECT_EQ(log.body, on_disk);
  auto tail = http_get(port, "/api/v1/runs/" + run_id + "/log?tail=1", kAdminToken);
  ASSERT_EQ(tail.status, 200);
  auto last_line = on_disk.substr(on_disk.rfind('\n', on_disk.size() - 2) + 1);
  EXPECT_EQ(tail.body, last_line);
  expect_problem(http_get(port, "/api/v1/runs/run_ffffffffffffffff/log", kAdminToken), 404);

  // The team gauges read the same history on either backend.
  auto metrics = http_get(port, "/metrics", kAdminToken);
  ASSERT_EQ(metrics.status, 200);
  for (const char* line : {"orchestrator_team_last_success_timestamp_seconds{team=\"1\"",
                           "orchestrator_team_last_success_timestamp_seconds{team=\"2\"",
                           "orchestrator_runs_running 0", "orchestrator_database_up 1"}) {
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
  }
}

TEST_F(HttpApiTest, AThousandConcurrentRequestsWhileAStormRunsLeaveEveryRunOnTime) {
  constexpr int kTeams = 20;
  for (int team = 1; team <= kTeams; ++team) {
    add_team(team, "Team " + std::to_string(team));
  }
  auto service = serve_api({{"DAILY_RUN_TIME", utc_time_in(4)}, {"MAX_PARALLEL_RUNS", "4"}});
  ASSERT_EQ(http_get(port_, "/healthz").status, 200);

  // Fifty clients at once, each asking again as soon as it has its answer, until every run of
  // the storm has completed (and at least twenty times each).
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<bool> storm_over{false};
  std::mutex failures_mutex;
  std::string failures;
  std::vector<std::thread> clients;
  const std::vector<std::string> targets = {"/api/v1/runs?limit=20", "/metrics", "/readyz",
                                            "/api/v1/runs?status=running", "/healthz"};
  for (int c = 0; c < 50; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 20 || !storm_over.load(); ++i) {
        auto reply =
            http_get(port_, targets[static_cast<std::size_t>(c + i) % targets.size()], kReadToken);
        if (reply.status == 200) {
          ++ok;
        } else if (failed++ < 5) {
          std::lock_guard lock(failures_mutex);
          failures += std::to_string(reply.status) + " " + reply.body + "\n";
        }
      }
    });
  }
  bool completed = wait_until(
      [&] {
        return runs_json({"--status", "completed"}).size() == static_cast<std::size_t>(kTeams);
      },
      seconds(60));
  storm_over = true;
  for (auto& client : clients) {
    client.join();
  }
  ASSERT_TRUE(completed) << runs_json().dump(2);
  EXPECT_GE(ok.load(), 1000);
  EXPECT_EQ(failed.load(), 0) << failures;
  for (const auto& run : runs_json()) {
    SCOPED_TRACE(run.dump());
    EXPECT_EQ(run["triggered_by"], "schedule");
    auto scheduled = parse_utc(run["scheduled_for"].get<std::string>());
    auto started = parse_utc(run["started_at"].get<std::string>());
    ASSERT_TRUE(scheduled && started);
    // Four workers and twenty short runs: each starts within a few seconds of its slot.
    EXPECT_LT(*started - *scheduled, seconds(10));
  }
}

}  // namespace
}  // namespace orch::testing
