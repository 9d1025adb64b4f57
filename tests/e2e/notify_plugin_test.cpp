// The network plugin (orch_notify_net.so: Poco and OpenSSL's TLS): a service that only logs never
// maps it; one with email or Slack on loads it at start-up, or refuses to start; it is found
// beside the binary and where `cmake --install` puts it.

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/notify_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::seconds;

// The files mapped into process `pid` whose path holds one of `parts`.
std::set<std::string> mapped(int pid, const std::vector<std::string>& parts) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::set<std::string> out;
  for (std::string line; std::getline(maps, line);) {
    auto slash = line.find('/');
    if (slash == std::string::npos) {
      continue;
    }
    std::string file = line.substr(slash);
    for (const auto& part : parts) {
      if (file.find(part) != std::string::npos) {
        out.insert(std::filesystem::path(file).filename().string());
      }
    }
  }
  return out;
}

const std::vector<std::string> kNetworkLibraries = {"orch_notify_net", "libPoco", "libssl"};

// A copy of the built binary alone in `<root>/bin`: no plugin beside it, none in
// `<root>/lib/orchestrator`.
std::filesystem::path lone_binary(const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "bin");
  std::filesystem::copy_file(ORCH_BINARY, root / "bin" / "orchestrator");
  return root / "bin" / "orchestrator";
}

TEST_F(E2eTest, AServiceThatOnlyLogsMapsNeitherPocoNorTls) {
  auto service = serve();  // notify.channels: the log alone, the default
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  EXPECT_EQ(mapped(service->pid(), kNetworkLibraries), std::set<std::string>{});
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
}

TEST_F(E2eTest, AServiceWithEmailOnLoadsThePluginAtStartUp) {
  // No mail is due: the plugin is there before the first delivery needs it.
  auto service = serve({{"NOTIFY_CHANNELS", "email"},
                        {"SMTP_HOST", "127.0.0.1"},
                        {"SMTP_FROM", "orchestrator@example.com"},
                        {"NOTIFY_EMAIL_TO", "ops@example.com"}});
  ASSERT_TRUE(wait_for_log(*service, "ready")) << service->output();
  EXPECT_EQ(mapped(service->pid(), {"orch_notify_net"}),
            std::set<std::string>{"orch_notify_net.so"});
  EXPECT_FALSE(mapped(service->pid(), {"libPocoNet"}).empty());
  EXPECT_FALSE(mapped(service->pid(), {"libssl"}).empty());
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(seconds(15)), 0) << service->output();
}

TEST_F(E2eTest, WithoutThePluginCommandsThatSendRefuseToStartInOneLine) {
  auto binary = lone_binary(dir_ / "lone");
  auto env = env_;
  env["NOTIFY_CHANNELS"] = "log,email";
  env["SMTP_HOST"] = "127.0.0.1";
  env["SMTP_FROM"] = "orchestrator@example.com";
  env["NOTIFY_EMAIL_TO"] = "ops@example.com";
  const std::vector<std::vector<std::string>> commands = {
      {"serve"}, {"run", "--general"}, {"notify", "test", "--channel", "slack"}};
  for (const auto& args : commands) {
    SCOPED_TRACE(args[0]);
    std::vector<std::string> argv{binary.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto result = run_command(argv, CommandOptions{dir_.path(), env, seconds(20)});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    const std::string& line = result.err;
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    EXPECT_EQ(line.back(), '\n') << line;
    // What is missing, where it was looked for, and what to do.
    EXPECT_EQ(line.rfind("error: ", 0), 0U) << line;
    EXPECT_NE(line.find("orch_notify_net.so"), std::string::npos) << line;
    EXPECT_NE(line.find((dir_ / "lone" / "bin").string()), std::string::npos) << line;
    EXPECT_NE(line.find((dir_ / "lone" / "lib" / "orchestrator").string()), std::string::npos)
        << line;
    EXPECT_NE(line.find("cmake --install"), std::string::npos) << line;
  }
  // Refused before anything was done: not even the database was created.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "orchestrator.db"));

  // The same binary with the log alone needs no plugin.
  env["NOTIFY_CHANNELS"] = "log";
  BackgroundProcess service({binary.string(), "serve"}, CommandOptions{dir_.path(), env},
                            dir_ / "lone-serve.log");
  ASSERT_TRUE(
      wait_until([&] { return service.output().find("ready") != std::string::npos; }, seconds(20)))
      << service.output();
  service.send_signal(SIGTERM);
  EXPECT_EQ(service.wait(seconds(15)), 0) << service.output();
}

TEST_F(NotifyE2eTest, AnInstalledBinaryFindsThePluginWhereTheInstallPutIt) {
  auto prefix = dir_ / "prefix";
  auto install = run_command({"cmake", "--install", ORCH_BUILD_DIR, "--prefix", prefix.string()});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  ASSERT_TRUE(std::filesystem::exists(prefix / "lib" / "orchestrator" / "orch_notify_net.so"));
  ASSERT_FALSE(std::filesystem::exists(prefix / "bin" / "orch_notify_net.so"));

  std::string hook = "http://127.0.0.1:" + http_port_ + "/services/" + token();
  auto env = env_;
  env["SLACK_WEBHOOK_URL"] = hook;
  ASSERT_EQ(orch({"migrate"}).exit_code, 0);  // `notify test` records into an existing database
  auto result = run_command(
      {(prefix / "bin" / "orchestrator").string(), "notify", "test", "--channel", "slack"},
      CommandOptions{dir_.path(), env, seconds(30)});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "sent: test slack to http://127.0.0.1:" + http_port_ + "/***\n");
  EXPECT_EQ(lines_with(env_or_empty("HTTP_TEST_LOG"), token()).size(), 1U);
}

}  // namespace
}  // namespace orch::testing
