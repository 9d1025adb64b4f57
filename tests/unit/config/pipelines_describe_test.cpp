// check-config shows every pipeline: each [pipelines.<name>] with its schedule, who runs it and
// the settings in which it differs from [pipeline], secrets hidden as in [pipeline].
#include <string>

#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/support/temp_dir.h"

namespace orch::config {
namespace {

using orch::testing::TempDir;
using orch::testing::write_file;

Result<Config> load_file(const TempDir& dir, const std::string& toml) {
  write_file(dir / "orchestrator.toml", toml);
  LoadOptions options;
  options.working_dir = dir.path();
  options.default_pipeline = "/opt/orch/example-pipeline";
  return load(options);
}

// The lines of section [name] in `text`, up to the next section.
std::string section_of(const std::string& text, const std::string& name) {
  auto start = text.find("\n[" + name + "]\n");
  if (start == std::string::npos) {
    return "";
  }
  start = text.find('\n', start + 1) + 1;
  auto end = text.find("\n[", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

TEST(PipelinesDescribe, ShowsEveryPipelineWithItsScheduleAndWhatItChanges) {
  TempDir dir;
  auto config = load_file(dir,
                          "[pipeline]\ntimeout_seconds = 600\n\n"
                          "[pipelines.month_end]\ncommand = [\"/opt/lending/bin/month_end\"]\n"
                          "cron = \"0 4 1 * *\"\nteams = [2, 1]\n\n"
                          "[pipelines.month_end.env]\nLEDGER_TOKEN = \"tok-secret\"\n"
                          "LEDGER = \"main\"\n\n"
                          "[pipelines.recon]\ncommand = [\"/opt/lending/bin/recon\"]\n"
                          "run_time = \"06:30\"\ngeneral_only = true\n"
                          "[pipelines.recon.retry]\nmax_attempts = 3\n");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const std::string text = describe(*config);

  const std::string month_end = section_of(text, "pipelines.month_end");
  EXPECT_NE(month_end.find("cron = \"0 4 1 * *\"\n"), std::string::npos) << text;
  EXPECT_NE(month_end.find("teams = [1, 2]\n"), std::string::npos) << text;
  EXPECT_NE(month_end.find("command = [\"/opt/lending/bin/month_end\"]\n"), std::string::npos)
      << text;
  // Inherited from [pipeline]: shown there, not repeated.
  EXPECT_EQ(month_end.find("timeout_seconds"), std::string::npos) << text;
  EXPECT_NE(section_of(text, "pipeline").find("timeout_seconds = 600\n"), std::string::npos)
      << text;
  const std::string env = section_of(text, "pipelines.month_end.env");
  EXPECT_NE(env.find("LEDGER = \"main\"\n"), std::string::npos) << text;
  EXPECT_NE(env.find("LEDGER_TOKEN = \"***\"\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("tok-secret"), std::string::npos) << text;

  const std::string recon = section_of(text, "pipelines.recon");
  EXPECT_NE(recon.find("run_time = \"06:30\"\n"), std::string::npos) << text;
  EXPECT_NE(recon.find("general_only = true\n"), std::string::npos) << text;
  EXPECT_NE(section_of(text, "pipelines.recon.retry").find("max_attempts = 3\n"), std::string::npos)
      << text;
  // [pipeline] is still daily's, unchanged by the others.
  EXPECT_NE(section_of(text, "pipeline").find("command = [\"/opt/orch/example-pipeline\"]\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(section_of(text, "pipeline.env").find("LEDGER"), std::string::npos) << text;

  // What it prints loads back to the same pipelines (secrets aside).
  TempDir again;
  auto reloaded = load_file(again, text);
  ASSERT_TRUE(reloaded.has_value()) << reloaded.error().message << "\n" << text;
  ASSERT_EQ(reloaded->pipelines.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const NamedPipeline& before = config->pipelines[i];
    const NamedPipeline& after = reloaded->pipelines[i];
    EXPECT_EQ(after.name, before.name);
    EXPECT_EQ(after.settings.command, before.settings.command) << before.name;
    EXPECT_EQ(after.settings.timeout, before.settings.timeout) << before.name;
    EXPECT_EQ(after.settings.retry.max_attempts, before.settings.retry.max_attempts) << before.name;
    EXPECT_EQ(after.cron, before.cron) << before.name;
    EXPECT_EQ(after.run_time.has_value(), before.run_time.has_value()) << before.name;
    EXPECT_EQ(after.teams, before.teams) << before.name;
    EXPECT_EQ(after.general, before.general) << before.name;
  }
}

TEST(PipelinesDescribe, ASiteWithOnePipelineSeesWhatItAlwaysSaw) {
  TempDir dir;
  auto config = load_file(dir, "[pipeline]\ntimeout_seconds = 600\n");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(describe(*config).find("pipelines"), std::string::npos) << describe(*config);
}

}  // namespace
}  // namespace orch::config
