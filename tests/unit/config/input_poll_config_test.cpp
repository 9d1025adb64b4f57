// scheduler.input_poll_seconds: how long a waiting run may go unchecked.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace orch::config {
namespace {

using orch::testing::TempDir;
using orch::testing::write_file;

Result<Config> load_in(const TempDir& dir, const std::string& toml,
                       std::map<std::string, std::string> env = {}) {
  write_file(dir / "orchestrator.toml", toml);
  LoadOptions options;
  options.working_dir = dir.path();
  options.env = std::move(env);
  options.default_pipeline = "/opt/orch/example-pipeline";
  options.system_config = dir / "no-system-config.toml";
  return load(options);
}

TEST(InputPollConfig, DefaultsToFifteenSecondsAndReadsFileAndEnvironment) {
  TempDir dir;
  auto defaults = load_in(dir, "");
  ASSERT_TRUE(defaults.has_value()) << defaults.error().message;
  EXPECT_EQ(defaults->scheduler.input_poll, std::chrono::seconds(15));
  auto from_file = load_in(dir, "[scheduler]\ninput_poll_seconds = 60\n");
  ASSERT_TRUE(from_file.has_value()) << from_file.error().message;
  EXPECT_EQ(from_file->scheduler.input_poll, std::chrono::seconds(60));
  auto from_env = load_in(dir, "[scheduler]\ninput_poll_seconds = 60\n",
                          {{"SCHEDULER_INPUT_POLL_SECONDS", "3600"}});
  ASSERT_TRUE(from_env.has_value()) << from_env.error().message;
  EXPECT_EQ(from_env->scheduler.input_poll, std::chrono::seconds(3600));
  // check-config prints it, and what it prints loads back.
  EXPECT_NE(describe(*from_env).find("input_poll_seconds = 3600"), std::string::npos)
      << describe(*from_env);
  auto again = load_in(dir, describe(*from_env));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->scheduler.input_poll, std::chrono::seconds(3600));
}

TEST(InputPollConfig, RefusesZeroAndMoreThanAnHourOnOneLine) {
  TempDir dir;
  for (const char* bad : {"0", "3601", "soon"}) {
    SCOPED_TRACE(bad);
    auto loaded = load_in(dir, "", {{"SCHEDULER_INPUT_POLL_SECONDS", bad}});
    ASSERT_FALSE(loaded.has_value());
    const std::string& message = loaded.error().message;
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(message.find("scheduler.input_poll_seconds (SCHEDULER_INPUT_POLL_SECONDS)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("an integer from 1 to 3600"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace orch::config
