// The real launcher starting real processes in a real Landlock sandbox, through the built
// orchestrator-sandbox. This machine's kernels have Landlock: these tests fail, not skip, without
// it, unless ORCH_TEST_KERNEL_LACKS_LANDLOCK=1 says the kernel lacks it.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/landlock.h"
#include "pipeline/process_launcher.h"
#include "pipeline/stop_signal.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;
using orch::testing::read_file;
using orch::testing::TempDir;
using orch::testing::write_file;
using Kind = ProcessOutcome::Kind;

class SandboxedLaunch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (orch::testing::env_or_empty("ORCH_TEST_KERNEL_LACKS_LANDLOCK") == "1") {
      GTEST_SKIP() << "ORCH_TEST_KERNEL_LACKS_LANDLOCK=1: this kernel has no Landlock";
    }
    auto abi = landlock_abi();
    ASSERT_TRUE(abi) << abi.error().message
                     << " (set ORCH_TEST_KERNEL_LACKS_LANDLOCK=1 where the kernel lacks it)";
    fs::create_directories(work_ / "out");
    write_file(secret_ / "secret.txt", "launcher-secret\n");
  }

  // /bin/sh -c `script` allowed to read the system and write `work_`/out only.
  ProcessSpec spec(const std::string& script) {
    ProcessSpec s;
    s.argv = {"/bin/sh", "-c", script};
    s.env = {{"PATH", "/usr/bin:/bin"}};
    s.working_dir = work_ / "out";
    s.log_file = logs_ / "run.log";
    s.timeout = std::chrono::seconds(30);
    s.sandbox = Sandbox{
        ORCH_SANDBOX_HELPER, {"/usr", "/bin", "/lib", "/lib64", "/etc"}, {work_ / "out"}, nullptr};
    return s;
  }

  ProcessOutcome run(const ProcessSpec& s) {
    StopSignal stop;
    return make_posix_process_launcher()->run(s, stop);
  }

  TempDir work_;
  TempDir secret_;
  TempDir logs_;
};

TEST_F(SandboxedLaunch, TheProgramRunsWithItsArgumentsAndWritesWhereAllowed) {
  ProcessSpec s = spec("echo \"$0 $1\" > note.txt; cat note.txt; echo err >&2");
  s.argv.insert(s.argv.end(), {"name0", "first"});
  ProcessOutcome outcome = run(s);
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 0) << read_file(logs_ / "run.log");
  EXPECT_EQ(read_file(work_ / "out" / "note.txt"), "name0 first\n");
  EXPECT_EQ(read_file(logs_ / "run.log"), "name0 first\nerr\n");
}

TEST_F(SandboxedLaunch, TheKernelRefusesReadingAndWritingAnywhereElse) {
  const fs::path secret = secret_ / "secret.txt";
  const std::string script = "cat '" + secret.string() + "' && echo READ; echo x > '" +
                             (secret_ / "new.txt").string() + "' && echo WROTE; echo x >> '" +
                             secret.string() + "' && echo APPENDED; ls '" +
                             secret_.path().string() + "' && echo LISTED; exit 0";
  ProcessOutcome outcome = run(spec(script));
  ASSERT_EQ(outcome.kind, Kind::kExited);
  const std::string log = read_file(logs_ / "run.log");
  EXPECT_EQ(log.find("launcher-secret"), std::string::npos) << log;
  for (const char* done : {"READ", "WROTE", "APPENDED", "LISTED"}) {
    EXPECT_EQ(log.find(done), std::string::npos) << done << " in\n" << log;
  }
  EXPECT_NE(log.find("Permission denied"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(secret_ / "new.txt"));
  EXPECT_EQ(read_file(secret), "launcher-secret\n");
}

TEST_F(SandboxedLaunch, NoSymbolicLinkCanBeMadeEvenInTheWritableFolder) {
  ProcessOutcome outcome =
      run(spec("ln -s '" + secret_.path().string() + "' link && echo LINKED; exit 0"));
  ASSERT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(read_file(logs_ / "run.log").find("LINKED"), std::string::npos);
  EXPECT_FALSE(fs::is_symlink(work_ / "out" / "link"));
}

// A folder swapped for a link to another one after the paths were worked out (a team's inputs
// for another team's) grants nothing: the kernel is never told about the link's target.
TEST_F(SandboxedLaunch, AGrantedPathThatIsASymbolicLinkGrantsNothing) {
  fs::create_directory_symlink(secret_.path(), work_ / "inputs");
  ProcessSpec s = spec("cat ../inputs/secret.txt && echo READ; exit 0");
  s.sandbox->read_only.push_back(work_ / "inputs");
  ProcessOutcome outcome = run(s);
  ASSERT_EQ(outcome.kind, Kind::kExited);
  const std::string log = read_file(logs_ / "run.log");
  EXPECT_EQ(log.find("launcher-secret"), std::string::npos) << log;
  EXPECT_EQ(log.find("READ"), std::string::npos) << log;
  EXPECT_NE(log.find("Permission denied"), std::string::npos) << log;
}

// A held path's rule is for the folder its descriptor was opened on, not for whatever later sits at
// its path: the reason the service holds only the system's folders (and the devices) open across
// runs, never a folder of the user's that a deployment may swap.
TEST_F(SandboxedLaunch, AHeldFolderIsTheOneGrantedEvenAfterAnotherTakesItsPath) {
  const fs::path tools = work_ / "tools";
  write_file(tools / "tool.txt", "first-tools\n");
  ProcessSpec s = spec("cat '" + (work_ / "tools.old" / "tool.txt").string() +
                       "' && echo READ-OLD; cat '" + (tools / "tool.txt").string() +
                       "' && echo READ-NEW; /bin/true > /dev/null && echo DEVICE; exit 0");
  s.sandbox->read_only.push_back(tools);
  s.sandbox->held = std::make_shared<const HeldPaths>(std::vector<fs::path>{"/usr", "/etc", tools});
  ASSERT_NE(s.sandbox->held->find("/dev/null"), std::nullopt);
  ASSERT_NE(s.sandbox->held->find(tools), std::nullopt);
  fs::rename(tools, work_ / "tools.old");
  write_file(tools / "tool.txt", "second-tools\n");
  ProcessOutcome outcome = run(s);
  ASSERT_EQ(outcome.kind, Kind::kExited);
  const std::string log = read_file(logs_ / "run.log");
  EXPECT_NE(log.find("first-tools\nREAD-OLD"), std::string::npos) << log;
  EXPECT_EQ(log.find("second-tools"), std::string::npos) << log;
  EXPECT_EQ(log.find("READ-NEW"), std::string::npos) << log;
  EXPECT_NE(log.find("DEVICE"), std::string::npos) << log;
}

TEST_F(SandboxedLaunch, AMissingHelperFailsTheStartAndNamesIt) {
  ProcessSpec s = spec("exit 0");
  s.sandbox->helper = work_ / "no-such-helper";
  ProcessOutcome outcome = run(s);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_NE(outcome.error.find("sandbox helper"), std::string::npos) << outcome.error;
  EXPECT_NE(outcome.error.find("no-such-helper"), std::string::npos) << outcome.error;
}

// Started without a ruleset (by mistake, or by someone else), the helper never runs the program
// unconfined: it says why on stderr and exits 126.
TEST(SandboxHelper, WithoutARulesetItRefusesToRunTheProgram) {
  auto result =
      orch::testing::run_command({ORCH_SANDBOX_HELPER, "/bin/sh", "sh", "-c", "echo PROGRAM-RAN"});
  EXPECT_EQ(result.exit_code, 126);
  EXPECT_EQ(result.out.find("PROGRAM-RAN"), std::string::npos);
  EXPECT_EQ(result.err.rfind("orchestrator-sandbox: ", 0), 0U) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

}  // namespace
}  // namespace orch::pipeline
