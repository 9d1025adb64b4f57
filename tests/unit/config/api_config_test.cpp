#include <map>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace orch::config {
namespace {

using orch::testing::TempDir;
using orch::testing::write_file;

Result<Config> load_toml(const TempDir& dir, const std::string& toml,
                         std::map<std::string, std::string> env = {}) {
  write_file(dir / "orchestrator.toml", toml);
  LoadOptions options;
  options.working_dir = dir.path();
  options.env = std::move(env);
  options.default_pipeline = "/opt/orch/example-pipeline";
  return load(options);
}

// One line, naming the key, without the secret.
void expect_refused(const Result<Config>& result, const std::string& part,
                    const std::string& secret = "") {
  ASSERT_FALSE(result.has_value()) << describe(*result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().message.find('\n'), std::string::npos) << result.error().message;
  EXPECT_NE(result.error().message.find(part), std::string::npos) << result.error().message;
  if (!secret.empty()) {
    EXPECT_EQ(result.error().message.find(secret), std::string::npos) << result.error().message;
  }
}

TEST(ApiConfig, NamedTokensWithRolesAreReadAndRedacted) {
  TempDir dir;
  auto config = load_toml(dir, R"([api]
token = "admin-secret-0123456789"
tokens = [
  { name = "ops", token = "ops-secret-0123456789", role = "admin" },
  { name = "grafana", token = "grafana-secret-0123456789" },
]
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->api.tokens.size(), 2u);
  EXPECT_EQ(config->api.tokens[0].name, "ops");
  EXPECT_EQ(config->api.tokens[0].role, ApiRole::kAdmin);
  EXPECT_EQ(config->api.tokens[1].name, "grafana");
  EXPECT_EQ(config->api.tokens[1].role, ApiRole::kRead);  // the default: least power
  std::string shown = describe(*config);
  for (const char* secret : {"admin-secret", "ops-secret", "grafana-secret"}) {
    EXPECT_EQ(shown.find(secret), std::string::npos) << shown;
  }
  EXPECT_NE(shown.find(R"(tokens = [{ name = "ops", token = "***", role = "admin" }, )"),
            std::string::npos)
      << shown;
}

TEST(ApiConfig, BadTokensAreRefusedWithoutShowingThem) {
  TempDir dir;
  expect_refused(load_toml(dir, "[api]\ntokens = [{ name = \"a\", token = \"short\" }]\n"),
                 "item 1: token: use 16 to 4096 printable ASCII", "short");
  expect_refused(
      load_toml(dir, "[api]\ntokens = [{ name = \"a\", token = \"has a space in it!!\" }]\n"),
      "api.tokens = ***", "has a space");
  expect_refused(
      load_toml(dir,
                "[api]\ntokens = [{ name = \"a\", token = \"secret-0123456789ab\", role = \"root\" "
                "}]\n"),
      "role = \"root\" is not allowed: use read or admin", "secret-0123456789ab");
  expect_refused(load_toml(dir, "[api]\ntokens = [{ token = \"secret-0123456789ab\" }]\n"),
                 "item 1: name", "secret-0123456789ab");
  expect_refused(
      load_toml(dir,
                "[api]\ntokens = [{ name = \"a\", token = \"secret-0123456789ab\" }, { name = "
                "\"a\", token = \"other-0123456789abcd\" }]\n"),
      "item 2: name \"a\" is given twice");
  expect_refused(
      load_toml(dir,
                "[api]\ntokens = [{ name = \"a\", token = \"secret-0123456789ab\" }, { name = "
                "\"b\", token = \"secret-0123456789ab\" }]\n"),
      "item 2: token: the same token is given twice", "secret-0123456789ab");
  expect_refused(load_toml(dir,
                           "[api]\ntokens = [{ name = \"a\", token = \"secret-0123456789ab\", "
                           "colour = \"red\" }]\n"),
                 "unknown key \"colour\"");
  expect_refused(load_toml(dir, "[api]\ntokens = \"secret-0123456789ab\"\n"),
                 "expected an array of tables of strings", "secret-0123456789ab");
  expect_refused(load_toml(dir, "", {{"API_TOKEN", "tiny"}}), "API_TOKEN", "tiny");
}

TEST(ApiConfig, ListenMayBeOffOrAnyFreePort) {
  TempDir dir;
  auto off = load_toml(dir, "[api]\nlisten = \"\"\n");
  ASSERT_TRUE(off.has_value()) << off.error().message;
  EXPECT_EQ(off->api.listen, "");
  auto any = load_toml(dir, "", {{"API_LISTEN", "127.0.0.1:0"}});
  ASSERT_TRUE(any.has_value()) << any.error().message;
  EXPECT_EQ(any->api.listen, "127.0.0.1:0");
  expect_refused(load_toml(dir, "", {{"API_LISTEN", "127.0.0.1:65536"}}), "port from 0");
  expect_refused(load_toml(dir, "", {{"API_LISTEN", "8080"}}), "HOST:PORT");
}

}  // namespace
}  // namespace orch::config
