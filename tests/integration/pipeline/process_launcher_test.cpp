// The real launcher with real processes: small sh scripts in temporary folders.
#include "pipeline/process_launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/stop_signal.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace orch::pipeline {
namespace {

using orch::testing::read_file;
using orch::testing::TempDir;
using orch::testing::wait_until;
using orch::testing::write_file;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Kind = ProcessOutcome::Kind;

// A bound for a hang, not a speed test.
constexpr milliseconds kPromptly = seconds(5);

// A stop that sends SIGTERM at once and SIGKILL `term_grace` later.
StopRequest stop_now(milliseconds term_grace) {
  StopRequest request;
  request.term_grace = term_grace;
  return request;
}

// A stop that lets the pipeline finish for `drain` first.
StopRequest stop_after(milliseconds drain, milliseconds term_grace) {
  StopRequest request;
  request.drain = drain;
  request.term_grace = term_grace;
  return request;
}

ProcessSpec sh_spec(const TempDir& dir, const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.working_dir = dir.path();
  spec.log_file = dir / "run.log";
  spec.timeout = seconds(30);
  spec.kill_grace = seconds(1);
  return spec;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// Dead means no such process, or a zombie waiting for PID 1, which reaps slowly here.
bool process_is_dead(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) {
    return true;
  }
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// The pid a script wrote with `echo $! > file`; 0 when it never appeared.
pid_t pid_from(const std::filesystem::path& file) {
  pid_t pid = 0;
  wait_until(
      [&] {
        const std::string text = read_file(file);
        if (text.empty() || text.back() != '\n') {
          return false;
        }
        pid = static_cast<pid_t>(std::stol(text));
        return true;
      },
      seconds(3));
  return pid;
}

// Every child the launcher started has been reaped: no zombie of ours, nothing still running.
bool has_no_children() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

struct Timed {
  ProcessOutcome outcome;
  milliseconds elapsed;
};

Timed run_timed(const ProcessSpec& spec, StopSignal& stop) {
  auto launcher = make_posix_process_launcher();
  const auto start = std::chrono::steady_clock::now();
  ProcessOutcome outcome = launcher->run(spec, stop);
  return {std::move(outcome),
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start)};
}

ProcessOutcome run(const ProcessSpec& spec) {
  StopSignal stop;
  return make_posix_process_launcher()->run(spec, stop);
}

TEST(ProcessLauncher, ExitZeroCapturesStdoutAndStderrInTheLog) {
  TempDir dir;
  ProcessOutcome outcome = run(sh_spec(dir, "echo hello; echo oops >&2; echo bye"));
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(outcome.error, "");
  EXPECT_EQ(read_file(dir / "run.log"), "hello\noops\nbye\n");
  EXPECT_EQ(outcome.log_bytes, 15U);
  EXPECT_FALSE(outcome.log_truncated);
}

TEST(ProcessLauncher, NonZeroExitIsReportedWithItsOutput) {
  TempDir dir;
  ProcessOutcome outcome = run(sh_spec(dir, "echo partial work; exit 3"));
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.error, "pipeline exited with code 3");
  EXPECT_EQ(read_file(dir / "run.log"), "partial work\n");
}

TEST(ProcessLauncher, RunsInTheWorkingFolderWithStdinFromDevNull) {
  TempDir dir;
  std::filesystem::create_directories(dir / "work");
  ProcessSpec spec = sh_spec(dir, "pwd; cat; echo done");
  spec.working_dir = dir / "work";
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 0);
  EXPECT_EQ(read_file(dir / "run.log"), (dir / "work").string() + "\ndone\n");
}

TEST(ProcessLauncher, EnvironmentIsExactlyTheGivenOne) {
  TempDir dir;
  ASSERT_EQ(::setenv("ORCH_LAUNCHER_TEST_SECRET", "must-not-leak", 1), 0);
  ProcessSpec spec = sh_spec(dir, "");
  spec.argv = {"env"};
  spec.env["RUN_ID"] = "run-42";
  spec.env["SALES_TEAM_ID"] = "";
  spec.env["WITH_SPACES"] = "a b=c";
  ProcessOutcome outcome = run(spec);
  ::unsetenv("ORCH_LAUNCHER_TEST_SECRET");
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 0);
  std::vector<std::string> lines = lines_of(read_file(dir / "run.log"));
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"PATH=/usr/bin:/bin", "RUN_ID=run-42",
                                             "SALES_TEAM_ID=", "WITH_SPACES=a b=c"}));
}

TEST(ProcessLauncher, ChildInheritsNoDescriptorButStdinStdoutAndStderr) {
  TempDir dir;
  // Opened without O_CLOEXEC, as a careless library of the orchestrator might.
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  ProcessSpec spec = sh_spec(dir, "");
  spec.argv = {"/bin/ls", "/proc/self/fd"};
  ProcessOutcome outcome = run(spec);
  ::close(leaky);
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 0);
  // 3 is the folder ls itself opens to list the others.
  EXPECT_EQ(read_file(dir / "run.log"), "0\n1\n2\n3\n");
}

TEST(ProcessLauncher, CommandIsSearchedInTheGivenPathOnly) {
  TempDir dir;
  write_file(dir / "tools/mytool", "#!/bin/sh\necho \"found as $0 with $1\"\n");
  std::filesystem::permissions(dir / "tools/mytool", std::filesystem::perms::owner_all);
  std::filesystem::create_directories(dir / "empty");

  ProcessSpec spec = sh_spec(dir, "");
  spec.argv = {"mytool", "arg"};
  spec.env["PATH"] = (dir / "empty").string() + ":" + (dir / "tools").string();
  ProcessOutcome found = run(spec);
  EXPECT_EQ(found.kind, Kind::kExited);
  EXPECT_EQ(found.exit_code, 0);
  EXPECT_EQ(read_file(dir / "run.log"),
            "found as " + (dir / "tools/mytool").string() + " with arg\n");

  // sh is in the test's own PATH, but not in the one the child is given.
  spec.argv = {"sh", "-c", "true"};
  spec.env["PATH"] = (dir / "empty").string();
  ProcessOutcome missing = run(spec);
  EXPECT_EQ(missing.kind, Kind::kFailedToStart);
  EXPECT_EQ(missing.error,
            "pipeline command \"sh\" not found in PATH (" + (dir / "empty").string() + ")");
}

TEST(ProcessLauncher, CommandNotFoundFailsToStart) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "");
  spec.argv = {"orch-no-such-command"};
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_EQ(outcome.error,
            "pipeline command \"orch-no-such-command\" not found in PATH "
            "(/usr/bin:/bin)");

  spec.argv = {"/nonexistent/orch-tool"};
  outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_EQ(outcome.error, "pipeline command \"/nonexistent/orch-tool\" does not exist");
}

TEST(ProcessLauncher, NonExecutableFileFailsToStart) {
  TempDir dir;
  write_file(dir / "script.sh", "#!/bin/sh\necho should not run\n");
  std::filesystem::permissions(
      dir / "script.sh", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ProcessSpec spec = sh_spec(dir, "");
  spec.argv = {(dir / "script.sh").string()};
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_EQ(outcome.error,
            "pipeline command \"" + (dir / "script.sh").string() + "\" is not executable");

  spec.argv = {dir.path().string()};  // a folder is not a program either
  outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_EQ(outcome.error, "pipeline command \"" + dir.path().string() + "\" is not executable");
}

TEST(ProcessLauncher, ExecFailureFailsToStartAndLeavesNoChild) {
  TempDir dir;
  // Executable, but without "#!": execve refuses it (only a shell would fall back to sh).
  write_file(dir / "no_shebang", "echo should not run\n");
  std::filesystem::permissions(dir / "no_shebang", std::filesystem::perms::owner_all);
  ProcessSpec spec = sh_spec(dir, "");
  spec.argv = {(dir / "no_shebang").string()};
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_EQ(outcome.error, "cannot start pipeline command \"" + (dir / "no_shebang").string() +
                               "\": Exec format error");
  EXPECT_EQ(read_file(dir / "run.log"), "");
  EXPECT_TRUE(has_no_children());
}

TEST(ProcessLauncher, MissingWorkingFolderOrLogFolderFailsToStart) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "touch started");
  spec.working_dir = dir / "missing";
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_NE(outcome.error.find("does not exist"), std::string::npos) << outcome.error;

  spec = sh_spec(dir, "touch started");
  spec.log_file = dir / "missing/run.log";
  outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kFailedToStart);
  EXPECT_NE(outcome.error.find("cannot open the log file"), std::string::npos) << outcome.error;
  EXPECT_FALSE(std::filesystem::exists(dir / "started"));
}

TEST(ProcessLauncher, TimeoutKillsTheWholeGroup) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "sleep 30 & echo $! > bg.pid; sleep 30");
  spec.timeout = milliseconds(300);
  StopSignal stop;
  Timed timed = run_timed(spec, stop);
  EXPECT_EQ(timed.outcome.kind, Kind::kTimedOut);
  EXPECT_EQ(timed.outcome.error, "timed out after 0.3 s; process group killed");
  EXPECT_LT(timed.elapsed, kPromptly);
  EXPECT_EQ(read_file(dir / "run.log"),
            "[orchestrator] timed out after 0.3 s; process group killed\n");
  const pid_t background = pid_from(dir / "bg.pid");
  ASSERT_GT(background, 0);
  EXPECT_TRUE(wait_until([&] { return process_is_dead(background); }, seconds(3)));
  EXPECT_TRUE(has_no_children());
}

TEST(ProcessLauncher, TimeoutEscalatesToSigkillAfterTheGrace) {
  TempDir dir;
  // An ignored signal stays ignored across exec, so neither sh nor sleep reacts to SIGTERM.
  ProcessSpec spec = sh_spec(dir, "trap '' TERM; sleep 30 & echo $! > bg.pid; sleep 30");
  spec.timeout = milliseconds(200);
  spec.kill_grace = milliseconds(400);
  StopSignal stop;
  Timed timed = run_timed(spec, stop);
  EXPECT_EQ(timed.outcome.kind, Kind::kTimedOut);
  EXPECT_GE(timed.elapsed, milliseconds(600));
  EXPECT_LT(timed.elapsed, kPromptly);
  const pid_t background = pid_from(dir / "bg.pid");
  ASSERT_GT(background, 0);
  EXPECT_TRUE(wait_until([&] { return process_is_dead(background); }, seconds(3)));
}

TEST(ProcessLauncher, LeaderExitKillsBackgroundChildrenHoldingTheOutput) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "sleep 30 & echo $! > bg.pid; echo hi");
  StopSignal stop;
  Timed timed = run_timed(spec, stop);
  EXPECT_EQ(timed.outcome.kind, Kind::kExited);
  EXPECT_EQ(timed.outcome.exit_code, 0);
  EXPECT_EQ(timed.outcome.error, "");
  EXPECT_LT(timed.elapsed, kPromptly);
  EXPECT_EQ(read_file(dir / "run.log"), "hi\n");
  const pid_t background = pid_from(dir / "bg.pid");
  ASSERT_GT(background, 0);
  EXPECT_TRUE(wait_until([&] { return process_is_dead(background); }, seconds(3)));
}

TEST(ProcessLauncher, OutputHeldOutsideTheGroupIsAbandonedAfterALimit) {
  TempDir dir;
  // setsid puts the sleep in a session of its own, out of reach of the group kill, still
  // holding the output pipe.
  ProcessSpec spec = sh_spec(dir,
                             "setsid sh -c 'echo > ready; exec sleep 30' & echo $! > escaped.pid; "
                             "while [ ! -e ready ]; do sleep 0.01; done; echo bye");
  StopSignal stop;
  Timed timed = run_timed(spec, stop);
  const pid_t escaped = pid_from(dir / "escaped.pid");
  if (escaped > 0) {
    ::kill(escaped, SIGKILL);
  }
  EXPECT_EQ(timed.outcome.kind, Kind::kExited);
  EXPECT_EQ(timed.outcome.exit_code, 0);
  EXPECT_LT(timed.elapsed, kPromptly);
  const std::string log = read_file(dir / "run.log");
  EXPECT_EQ(
      log.rfind("bye\n[orchestrator] stopped reading output 2 s after the pipeline exited", 0), 0U)
      << log;
}

// Issue 13: the log kept the first bytes only, and the error at the end was lost.
TEST(ProcessLauncher, LogKeepsTheHeadAndTheTailAndSaysHowMuchWasDropped) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir,
                             "echo 'starting the run'; head -c 1048576 /dev/zero | tr '\\000' x; "
                             "echo; echo 'error: the real reason' >&2; exit 3");
  spec.log_limit_bytes = 10 * 1024;
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.log_bytes, 10240U);
  EXPECT_TRUE(outcome.log_truncated);
  const std::string output =
      "starting the run\n" + std::string(1048576, 'x') + "\nerror: the real reason\n";
  EXPECT_EQ(read_file(dir / "run.log"),
            output.substr(0, 5120) +
                "\n[orchestrator] log truncated: " + std::to_string(output.size() - 10240) +
                " bytes of output dropped here (the first 5120 and the last 5120 bytes are "
                "kept)\n" +
                output.substr(output.size() - 5120));
}

TEST(ProcessLauncher, ATimedOutRunsLogKeepsItsLastOutputBeforeTheNote) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir,
                             "head -c 100000 /dev/zero | tr '\\000' y; echo; "
                             "echo 'stuck waiting for the lock'; exec sleep 30");
  spec.log_limit_bytes = 2048;
  spec.timeout = milliseconds(500);
  ProcessOutcome outcome = run(spec);
  EXPECT_EQ(outcome.kind, Kind::kTimedOut);
  const std::string log = read_file(dir / "run.log");
  EXPECT_EQ(log.rfind(std::string(1024, 'y') + "\n[orchestrator] log truncated: ", 0), 0U) << log;
  const std::string end = "\nstuck waiting for the lock\n[orchestrator] timed out after ";
  EXPECT_NE(log.find(end), std::string::npos) << log;
  EXPECT_EQ(log.back(), '\n');
}

TEST(ProcessLauncher, StopSignalFromAnotherThreadStopsTheRun) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "sleep 30 & echo $! > bg.pid; sleep 30");
  StopSignal stop;
  std::thread stopper([&] {
    wait_until([&] { return !read_file(dir / "bg.pid").empty(); }, seconds(5));
    stop.request_stop(stop_now(milliseconds(500)));
  });
  Timed timed = run_timed(spec, stop);
  stopper.join();
  EXPECT_EQ(timed.outcome.kind, Kind::kStopped);
  EXPECT_EQ(timed.outcome.error, "stopped by shutdown; process group killed");
  EXPECT_LT(timed.elapsed, kPromptly);
  const pid_t background = pid_from(dir / "bg.pid");
  ASSERT_GT(background, 0);
  EXPECT_TRUE(wait_until([&] { return process_is_dead(background); }, seconds(3)));
}

TEST(ProcessLauncher, StopRequestedBeforeStartDoesNotStartTheProcess) {
  TempDir dir;
  StopSignal stop;
  stop.request_stop(stop_after(seconds(10), seconds(1)));
  Timed timed = run_timed(sh_spec(dir, "touch started"), stop);
  EXPECT_EQ(timed.outcome.kind, Kind::kStopped);
  EXPECT_FALSE(timed.outcome.error.empty());
  EXPECT_FALSE(std::filesystem::exists(dir / "started"));
}

TEST(ProcessLauncher, SignalDeathIsReportedWithTheSignal) {
  TempDir dir;
  ProcessOutcome outcome = run(sh_spec(dir, "echo about to crash; kill -SEGV $$"));
  EXPECT_EQ(outcome.kind, Kind::kSignaled);
  EXPECT_EQ(outcome.signal, SIGSEGV);
  EXPECT_EQ(outcome.error, "pipeline killed by signal 11 (SIGSEGV)");
  EXPECT_EQ(read_file(dir / "run.log"), "about to crash\n");
}

TEST(ProcessLauncher, ExitCodeNineIsNotMistakenForSigkill) {
  TempDir dir;
  ProcessOutcome outcome = run(sh_spec(dir, "exit 9"));
  EXPECT_EQ(outcome.kind, Kind::kExited);
  EXPECT_EQ(outcome.exit_code, 9);
}

TEST(ProcessLauncher, ParallelRunsFromFourThreadsAreEachCorrect) {
  TempDir dir;
  constexpr int kThreads = 4;
  constexpr int kRunsPerThread = 5;
  auto launcher = make_posix_process_launcher();
  std::atomic<int> correct{0};
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsPerThread; ++i) {
        const int code = (t * kRunsPerThread + i) % 5;
        const std::string name = "run-" + std::to_string(t) + "-" + std::to_string(i);
        // Every other run leaves a background child on the pipe, to be killed at the leader exit.
        ProcessSpec spec =
            sh_spec(dir, std::string(i % 2 == 0 ? "sleep 30 & " : "") + "echo " + name +
                             "; sleep 0.1; echo $RUN_ID; exit " + std::to_string(code));
        spec.env["RUN_ID"] = name;
        spec.log_file = dir / (name + ".log");
        StopSignal stop;
        ProcessOutcome outcome = launcher->run(spec, stop);
        const std::string log = read_file(spec.log_file);
        if (outcome.kind == Kind::kExited && outcome.exit_code == code &&
            log == name + "\n" + name + "\n") {
          ++correct;
        } else {
          failures[t] += name + ": exit " + std::to_string(outcome.exit_code.value_or(-1)) +
                         " error '" + outcome.error + "' log '" + log + "'\n";
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(correct.load(), kThreads * kRunsPerThread)
      << failures[0] << failures[1] << failures[2] << failures[3];
  launcher.reset();  // its guardian is the one child it keeps, until it goes
  EXPECT_TRUE(has_no_children());
}

TEST(StopSignal, ListenersHearOnlyMoreUrgentStops) {
  StopSignal stop;
  std::vector<milliseconds> heard;
  const int id = stop.subscribe([&](const StopRequest& r) { heard.push_back(r.drain); });
  EXPECT_FALSE(stop.requested().has_value());
  stop.request_stop(stop_after(seconds(30), seconds(5)));
  stop.request_stop(stop_after(seconds(60), seconds(5)));  // later than the one under way
  stop.request_stop(stop_now(seconds(5)));                 // sooner: heard
  EXPECT_EQ(heard, (std::vector<milliseconds>{seconds(30), milliseconds(0)}));
  EXPECT_EQ(stop.requested(), stop_now(seconds(5)));
  stop.unsubscribe(id);
}

TEST(StopSignal, LateSubscriberIsCalledAtOnceAndUnsubscribedOneNever) {
  StopSignal stop;
  int unsubscribed_calls = 0;
  stop.unsubscribe(stop.subscribe([&](const StopRequest&) { ++unsubscribed_calls; }));
  stop.request_stop(stop_now(seconds(2)));
  EXPECT_EQ(unsubscribed_calls, 0);
  std::vector<milliseconds> heard;
  stop.subscribe([&](const StopRequest& r) { heard.push_back(r.term_grace); });
  EXPECT_EQ(heard, std::vector<milliseconds>{seconds(2)});
}

// A service's stop lets a run in progress finish by itself within the drain: it completes.
TEST(ProcessLauncher, StopWithADrainLetsThePipelineFinish) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "echo started > started; sleep 0.5; echo finished");
  StopSignal stop;
  std::thread stopper([&] {
    wait_until([&] { return std::filesystem::exists(dir / "started"); }, seconds(5));
    stop.request_stop(stop_after(seconds(20), seconds(1)));
  });
  Timed timed = run_timed(spec, stop);
  stopper.join();
  EXPECT_EQ(timed.outcome.kind, Kind::kExited);
  EXPECT_EQ(timed.outcome.exit_code, 0);
  EXPECT_EQ(read_file(dir / "run.log"), "finished\n");
  EXPECT_LT(timed.elapsed, seconds(10));
}

// Past the drain the group gets SIGTERM, then SIGKILL; a second, more urgent stop cuts a long
// drain short.
TEST(ProcessLauncher, StopAfterItsDrainKillsTheGroupAndAMoreUrgentStopCutsItShort) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir, "trap '' TERM; echo started > started; sleep 30");
  StopSignal stop;
  std::thread stopper([&] {
    wait_until([&] { return std::filesystem::exists(dir / "started"); }, seconds(5));
    stop.request_stop(stop_after(milliseconds(300), milliseconds(300)));
  });
  Timed timed = run_timed(spec, stop);
  stopper.join();
  EXPECT_EQ(timed.outcome.kind, Kind::kStopped);
  EXPECT_LT(timed.elapsed, kPromptly);

  TempDir second;
  ProcessSpec long_drain = sh_spec(second, "echo started > started; sleep 30");
  StopSignal stop2;
  std::thread stopper2([&] {
    wait_until([&] { return std::filesystem::exists(second / "started"); }, seconds(5));
    stop2.request_stop(stop_after(seconds(60), seconds(1)));
    stop2.request_stop(stop_now(seconds(1)));
  });
  Timed cut = run_timed(long_drain, stop2);
  stopper2.join();
  EXPECT_EQ(cut.outcome.kind, Kind::kStopped);
  EXPECT_LT(cut.elapsed, kPromptly);
}

// kill -9 of the process that runs pipelines: its guardian kills the pipeline's group and a
// process that left the group (setsid) but carries the run's marker, so nothing of the run
// outlives it. The launcher runs in a forked child, which the test kills.
TEST(ProcessGuardian, KillMinusNineOfTheLauncherKillsItsPipelines) {
  TempDir dir;
  ProcessSpec spec = sh_spec(dir,
                             "sleep 60 & echo $! > in_group.pid; "
                             "setsid sh -c 'echo $$ > escaped.pid; exec sleep 60' & "
                             "sleep 60");
  spec.env["RUN_ID"] = "run_guardiantest" + std::to_string(::getpid());
  const pid_t launcher = ::fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    auto real = make_posix_process_launcher();
    StopSignal stop;
    real->run(spec, stop);
    ::_exit(0);
  }
  const pid_t in_group = pid_from(dir / "in_group.pid");
  const pid_t escaped = pid_from(dir / "escaped.pid");
  ASSERT_GT(in_group, 0);
  ASSERT_GT(escaped, 0);
  ASSERT_FALSE(process_is_dead(escaped));
  ::kill(launcher, SIGKILL);
  ::waitpid(launcher, nullptr, 0);
  EXPECT_TRUE(wait_until([&] { return process_is_dead(in_group); }, kPromptly));
  EXPECT_TRUE(wait_until([&] { return process_is_dead(escaped); }, kPromptly));
}

// A clean end of the launcher's owner leaves no guardian behind, and a pipeline that ran to its
// end is not hunted afterwards.
TEST(ProcessGuardian, EndsWithItsOwnerAndLeavesFinishedRunsAlone) {
  TempDir dir;
  const pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    auto real = make_posix_process_launcher();
    StopSignal stop;
    ProcessSpec spec = sh_spec(dir, "true");
    spec.env["RUN_ID"] = "run_finished" + std::to_string(::getpid());
    ProcessOutcome outcome = real->run(spec, stop);
    real.reset();
    ::_exit(outcome.kind == Kind::kExited && outcome.exit_code == 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(owner, &status, 0), owner);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(has_no_children());
}

}  // namespace
}  // namespace orch::pipeline
