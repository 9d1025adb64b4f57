#include "tests/e2e/crash_fixture.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace orch::testing {
namespace {

namespace fs = std::filesystem;

// The target of the symbolic link `link` ("" when it cannot be read: gone, or a zombie's).
std::string link_target(const fs::path& link) {
  std::error_code ec;
  auto target = fs::read_symlink(link, ec);
  return ec ? "" : target.string();
}

bool is_under(const std::string& path, const std::string& root) {
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

}  // namespace

std::vector<PipelineTrail> read_trails(const fs::path& runs_dir) {
  std::vector<PipelineTrail> trails;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
    std::ifstream in(entry.path() / "tmp" / "marks");  // the pipeline's TMPDIR
    if (!in) {
      continue;
    }
    // Lines of one pid form one trail (a folder has one attempt, but nothing is taken on trust).
    std::map<int, PipelineTrail> by_pid;
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::int64_t ns = 0;
      int pid = 0;
      std::string run_id;
      std::string team;
      std::string what;
      if (!(fields >> ns >> pid >> run_id >> team >> what)) {
        continue;  // a line cut short by a kill
      }
      PipelineTrail& t = by_pid[pid];
      if (t.pid == 0) {
        t.folder = entry.path();
        t.run_id = run_id;
        t.pid = pid;
        t.first_ns = ns;
      }
      t.first_ns = std::min(t.first_ns, ns);
      t.last_ns = std::max(t.last_ns, ns);
      t.started = t.started || what == "START";
      t.ended = t.ended || what == "END";
      long elapsed = 0;
      if (what == "TICK" && fields >> elapsed) {
        t.elapsed_ms = std::max(t.elapsed_ms, elapsed);
      }
    }
    for (auto& [pid, trail] : by_pid) {
      trails.push_back(std::move(trail));
    }
  }
  std::sort(trails.begin(), trails.end(),
            [](const PipelineTrail& a, const PipelineTrail& b) { return a.first_ns < b.first_ns; });
  return trails;
}

std::vector<std::pair<PipelineTrail, PipelineTrail>> overlapping(
    const std::vector<PipelineTrail>& trails) {
  std::vector<std::pair<PipelineTrail, PipelineTrail>> pairs;
  for (size_t i = 0; i < trails.size(); ++i) {
    for (size_t j = i + 1; j < trails.size(); ++j) {
      const auto& a = trails[i];
      const auto& b = trails[j];
      if (a.first_ns <= b.last_ns && b.first_ns <= a.last_ns) {
        pairs.emplace_back(a, b);
      }
    }
  }
  return pairs;
}

std::vector<int> live_pipelines(const fs::path& root) {
  static const std::string kPipeline = fs::canonical(ORCH_CHAOS_PIPELINE).string();
  std::string under = fs::weakly_canonical(root).string();
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) {
      continue;
    }
    // A zombie has no exe or cwd any more: it is dead, only not yet reaped.
    if (link_target(entry.path() / "exe") != kPipeline) {
      continue;
    }
    if (is_under(link_target(entry.path() / "cwd"), under)) {
      pids.push_back(std::stoi(name));
    }
  }
  return pids;
}

std::string chaos_command(long min_ms, long max_ms, std::uint64_t seed) {
  return "[\"" + std::string(ORCH_CHAOS_PIPELINE) + "\", \"" + std::to_string(min_ms) + "\", \"" +
         std::to_string(max_ms) + "\", \"" + std::to_string(seed) + "\"]";
}

CrashTest::CrashTest(Backend backend)
    : database_(std::make_unique<TestDatabase>(backend, dir_.path())) {
  env_["DATABASE_URL"] = database_->url();
  // Every attempt's run folder stays, so its marks can be read at the end.
  env_["KEEP_RUNS"] = "10000";
  env_["PIPELINE_RETRY_MAX_ATTEMPTS"] = "";
  env_["HEARTBEAT_TIMEOUT_SECONDS"] = "";
}

void CrashTest::SetUp() {
  if (!database_->available()) {
    GTEST_SKIP() << "no PostgreSQL server (run the tests under scripts/with_test_services.sh)";
  }
}

std::vector<std::string> CrashTest::sql(const std::string& query) const {
  auto result = database_->query(query);
  EXPECT_EQ(result.exit_code, 0) << query << ": " << result.err;
  std::vector<std::string> rows;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) {
    rows.push_back(line);
  }
  return rows;
}

std::string CrashTest::one(const std::string& query) const {
  auto rows = sql(query);
  return rows.empty() ? "" : rows.front();
}

long CrashTest::count(const std::string& where) const {
  auto n = one("SELECT COUNT(*) FROM pipeline_runs WHERE " + where);
  return n.empty() ? -1 : std::stol(n);
}

void CrashTest::add_teams(int count) {
  for (int team = 1; team <= count; ++team) {
    add_team(team, "Team " + std::to_string(team));
  }
}

std::vector<PipelineTrail> CrashTest::trails(int team) const {
  return read_trails(team_outputs(team) / "runs");
}

long CrashTest::longest_elapsed_ms(int team, const std::vector<std::string>& except) const {
  long longest = -1;
  for (const auto& t : trails(team)) {
    if (t.started && std::find(except.begin(), except.end(), t.run_id) == except.end()) {
      longest = std::max(longest, t.elapsed_ms);
    }
  }
  return longest;
}

std::vector<int> CrashTest::pipelines_left(std::chrono::milliseconds timeout) {
  std::vector<int> left;
  poll_until(
      [&] {
        left = live_pipelines(dir_.path());
        return left.empty();
      },
      timeout);
  return left;
}

std::string CrashTest::history(int team) const {
  std::string text;
  for (const auto& row :
       sql("SELECT status, triggered_by, attempt, run_id FROM pipeline_runs WHERE "
           "sales_team_id = " +
           std::to_string(team) + " ORDER BY created_at, attempt")) {
    text += "\n  " + row;
  }
  return text;
}

std::vector<std::string> CrashTest::rows_contradicting_marks() const {
  std::vector<std::string> wrong;
  for (const auto& row : sql("SELECT sales_team_id, run_id, status FROM pipeline_runs WHERE "
                             "status IN ('completed', 'abandoned', 'interrupted', 'timed_out')")) {
    std::istringstream fields(row);
    std::string team;
    std::string run_id;
    std::string status;
    std::getline(fields, team, '|');
    std::getline(fields, run_id, '|');
    std::getline(fields, status, '|');
    bool ended = false;
    for (const auto& t : read_trails(team_outputs(std::stoi(team)) / "runs")) {
      ended = ended || (t.run_id == run_id && t.ended);
    }
    if ((status == "completed") != ended) {
      wrong.push_back("team " + team + " run " + run_id + " is " + status + " but its pipeline " +
                      (ended ? "ran to its end" : "did not end"));
    }
  }
  return wrong;
}

}  // namespace orch::testing
