#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/test_database.h"

namespace orch::testing {

// One attempt of a run as its pipeline (tests/support/chaos_pipeline.cpp) recorded it in the
// `marks` file of its run folder's tmp/ (its TMPDIR): when it ran, and whether it got to its end.
struct PipelineTrail {
  std::filesystem::path folder;
  std::string run_id;
  int pid = 0;
  std::int64_t first_ns = 0;  // CLOCK_REALTIME of its first mark (START)
  std::int64_t last_ns = 0;   // ... and of its last one
  long elapsed_ms = 0;        // the last TICK's time since START
  bool started = false;
  bool ended = false;  // wrote END: it ran to its end and exited 0
};

// The trails of every attempt under `runs_dir` (a team's `runs/` folder), oldest first.
std::vector<PipelineTrail> read_trails(const std::filesystem::path& runs_dir);

// Pairs of trails that ran at the same time (their marks interleave).
std::vector<std::pair<PipelineTrail, PipelineTrail>> overlapping(
    const std::vector<PipelineTrail>& trails);

// Live (not zombie) chaos pipeline processes whose working folder is under `root`.
std::vector<int> live_pipelines(const std::filesystem::path& root);

// A PIPELINE_COMMAND that runs the chaos pipeline for `min_ms` to `max_ms`.
std::string chaos_command(long min_ms, long max_ms, std::uint64_t seed = 0);

// Polls `condition` every `every` until it holds or `timeout` (scaled, see scaled()) passes;
// returns whether it held.
// (Every 200 ms: each poll of these tests runs an SQL client.)
inline bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds every = std::chrono::milliseconds(200)) {
  return wait_until(condition, timeout, every);
}

// The end-to-end tests of the crash-safety promises: real `serve` and `run`
// processes killed with SIGKILL or stopped with SIGTERM, pipelines that leave time marks, and
// the run history read with the database's own client.
class CrashTest : public E2eTest {
 protected:
  explicit CrashTest(Backend backend = Backend::kSqlite);
  void SetUp() override;

  // Rows of `query`, one line each, '|' between values.
  std::vector<std::string> sql(const std::string& query) const;
  std::string one(const std::string& query) const;
  long count(const std::string& where) const;

  // Adds teams 1..count with `orchestrator teams add`.
  void add_teams(int count);

  std::vector<PipelineTrail> trails(int team) const;
  // The longest time any attempt of `team` has run so far, from its marks; for acting at a
  // moment of a run (`except` skips the attempts of those run ids).
  long longest_elapsed_ms(int team, const std::vector<std::string>& except = {}) const;
  // Waits until no chaos pipeline of this test is alive (a stop may still be killing them; a
  // zombie not yet reaped counts as dead); returns those still alive at the deadline.
  std::vector<int> pipelines_left(std::chrono::milliseconds timeout = std::chrono::seconds(3));
  // Every row of `team` as status|triggered_by|attempt|run_id, oldest first (for messages).
  std::string history(int team) const;
  // Rows whose status contradicts their pipeline's marks: `completed` without END, or
  // `abandoned`/`interrupted`/`timed_out` with END (the pipeline finished although the row says
  // it did not). One line each.
  std::vector<std::string> rows_contradicting_marks() const;

  std::unique_ptr<TestDatabase> database_;
};

}  // namespace orch::testing
