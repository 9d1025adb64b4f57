// Every secret a PostgreSQL connection string can carry stays out of what the orchestrator
// prints: check-config, configuration errors and connection errors.
#include <signal.h>

#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace orch::testing {
namespace {

struct SecretUrl {
  std::string url;
  std::vector<std::string> secrets;
};

// Port 1 on loopback: nothing listens there, so a connection is refused at once.
const std::vector<SecretUrl>& secret_urls() {
  static const std::vector<SecretUrl> urls = {
      {"postgresql://app:Pw-userinfo-1@127.0.0.1:1/db", {"Pw-userinfo-1"}},
      {"postgresql://app@127.0.0.1:1/db?password=Pw-query-2", {"Pw-query-2"}},
      {"postgresql://127.0.0.1:1/db?sslmode=disable&sslpassword=Pw-ssl-3&password=Pw-query-3",
       {"Pw-ssl-3", "Pw-query-3"}},
      {"postgres://app:Pw%2Dencoded%2D4@127.0.0.1:1/db", {"Pw%2Dencoded%2D4", "Pw-encoded-4"}},
      // libpq quotes a token it cannot decode in its error.
      {"postgresql://app:Pw%zzbroken5@127.0.0.1:1/db", {"Pw%zzbroken5", "zzbroken5"}},
      {"postgresql://127.0.0.1:1/db?password=Pw&amp6&connect_timeout=2", {"Pw&amp6", "amp6"}},
      {"postgresql://app:Pw@split9@127.0.0.1:1/db", {"Pw@split9", "split9"}},
      // libpq's key=value form is not a URL the orchestrator takes, and is refused; the
      // refusal must not show the password either.
      {"host=127.0.0.1 port=1 password=Pw-keyvalue-7", {"Pw-keyvalue-7"}},
      {"host=127.0.0.1 password='Pw quoted 8' port=1", {"Pw quoted 8", "quoted 8"}},
  };
  return urls;
}

TEST_F(E2eTest, CheckConfigShowsNoSecretOfTheDatabaseUrl) {
  for (const SecretUrl& s : secret_urls()) {
    SCOPED_TRACE(s.url);
    auto check = orch({"check-config"}, {{"DATABASE_URL", s.url}});
    EXPECT_TRUE(check.exit_code == 0 || check.exit_code == 2) << check.err;
    EXPECT_NE((check.out + check.err).find("***"), std::string::npos) << check.out << check.err;
    for (const std::string& secret : s.secrets) {
      EXPECT_EQ(check.out.find(secret), std::string::npos) << check.out;
      EXPECT_EQ(check.err.find(secret), std::string::npos) << check.err;
    }
    // The same URL in the configuration file.
    write_file(dir_ / "orchestrator.toml",
               "[database]\nurl = " + nlohmann::json(s.url).dump() + "\n");
    auto from_file = orch({"check-config"}, {{"DATABASE_URL", ""}});
    for (const std::string& secret : s.secrets) {
      EXPECT_EQ(from_file.out.find(secret), std::string::npos) << from_file.out;
      EXPECT_EQ(from_file.err.find(secret), std::string::npos) << from_file.err;
    }
    std::filesystem::remove(dir_ / "orchestrator.toml");
  }
}

TEST_F(E2eTest, ADatabaseConnectionErrorShowsNoSecret) {
  for (const SecretUrl& s : secret_urls()) {
    SCOPED_TRACE(s.url);
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"runs"}, {"status"}, {"migrate"}, {"serve"}}) {
      SCOPED_TRACE(command[0]);
      auto result = orch(command, {{"DATABASE_URL", s.url}, {"LOG_FORMAT", "json"}});
      // 4: the database is unavailable; 2: the URL was refused as it stands.
      EXPECT_TRUE(result.exit_code == 4 || result.exit_code == 2)
          << result.exit_code << ": " << result.err;
      EXPECT_NE(result.err.find("error:"), std::string::npos) << result.err;
      for (const std::string& secret : s.secrets) {
        EXPECT_EQ(result.out.find(secret), std::string::npos) << result.out;
        EXPECT_EQ(result.err.find(secret), std::string::npos) << result.err;
      }
    }
  }
}

// Where the URL is shown while the database works: `migrate`, `status` and the `ready` line.
// The test server trusts loopback connections, so the password given is accepted and unused.
TEST_F(E2eTest, AConnectedServiceShowsNoSecretOfItsUrl) {
  TestDatabase database(Backend::kPostgres, dir_.path());
  if (!database.available()) {
    GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
  }
  std::string url = database.url();
  const std::string user_end = "://" + env_or_empty("PGUSER") + "@";
  ASSERT_NE(url.find(user_end), std::string::npos) << url;
  url.replace(url.find(user_end), user_end.size(), "://" + env_or_empty("PGUSER") + ":Pw-live-1@");
  url += "?sslpassword=Pw-live-2&application_name=secrets-test";
  env_["DATABASE_URL"] = url;
  const std::vector<std::string> secrets = {"Pw-live-1", "Pw-live-2"};
  auto expect_no_secret = [&](const std::string& text) {
    for (const std::string& secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << text;
    }
  };

  auto migrate = orch({"migrate"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_NE(migrate.out.find(":***@"), std::string::npos) << migrate.out;
  EXPECT_NE(migrate.out.find("sslpassword=***&application_name=secrets-test"), std::string::npos)
      << migrate.out;
  expect_no_secret(migrate.out + migrate.err);

  auto service = serve({{"LOG_FORMAT", "text"}});
  ASSERT_TRUE(wait_for_log(*service, " ready ")) << service->output();
  auto status = orch({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("sslpassword=***"), std::string::npos) << status.out;
  expect_no_secret(status.out + status.err);
  service->send_signal(SIGTERM);
  EXPECT_EQ(service->wait(std::chrono::seconds(20)), 0) << service->output();
  EXPECT_NE(service->output().find("database=\"postgresql://" + env_or_empty("PGUSER") + ":***@"),
            std::string::npos)
      << service->output();
  expect_no_secret(service->output());
}

}  // namespace
}  // namespace orch::testing
