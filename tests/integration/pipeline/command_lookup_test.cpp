#include "pipeline/command_lookup.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "pipeline/process_launcher.h"
#include "pipeline/stop_signal.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::read_file;
using orch::testing::TempDir;
using orch::testing::write_file;
using Kind = ProcessOutcome::Kind;

void write_tool(const fs::path& path, const std::string& says) {
  write_file(path, "#!/bin/sh\necho " + says + "\n");
  fs::permissions(path, fs::perms::owner_all);
}

// The command is looked up at every run of one service: a binary replaced since the last run is
// the one that runs, and one removed or made non-executable gives the same clear error as if it
// had never been there.
TEST(CommandLookup, EachRunFindsTheCommandAsItIsNow) {
  TempDir dir;
  const fs::path tool = dir / "tool";
  write_tool(tool, "first");
  ProcessSpec spec;
  spec.argv = {tool.string()};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.working_dir = dir.path();
  spec.log_file = dir / "run.log";
  spec.timeout = std::chrono::seconds(30);
  spec.kill_grace = std::chrono::seconds(1);
  auto launcher = make_posix_process_launcher();
  auto run = [&] {
    StopSignal stop;
    return launcher->run(spec, stop);
  };

  ASSERT_EQ(run().kind, Kind::kExited);
  EXPECT_EQ(read_file(dir / "run.log"), "first\n");

  fs::remove(tool);
  write_tool(dir / "tool.new", "second");
  fs::rename(dir / "tool.new", tool);  // replaced as a package upgrade does
  ASSERT_EQ(run().kind, Kind::kExited);
  EXPECT_EQ(read_file(dir / "run.log"), "second\n");

  fs::permissions(tool, fs::perms::owner_read | fs::perms::owner_write);
  ProcessOutcome not_executable = run();
  EXPECT_EQ(not_executable.kind, Kind::kFailedToStart);
  EXPECT_EQ(not_executable.error, "pipeline command \"" + tool.string() + "\" is not executable");

  fs::remove(tool);
  ProcessOutcome removed = run();
  EXPECT_EQ(removed.kind, Kind::kFailedToStart);
  EXPECT_EQ(removed.error, "pipeline command \"" + tool.string() + "\" does not exist");
  auto found = resolve_command(spec);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace orch::pipeline
