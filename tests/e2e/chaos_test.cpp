// The chaos tests: a hundred teams' slot falls due while `serve` (or each of three
// replicas) is killed with SIGKILL or stopped with SIGTERM at random and started again; then a
// last start settles every slot. No team may lose its day, no slot may run twice, and no two
// attempts of a slot may ever run at the same time. Real time, real processes: each test takes
// one to two and a half minutes. Replay a failure with CHAOS_SEED=<the seed it printed>.
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

#include <date/date.h>

#include "tests/e2e/crash_fixture.h"

namespace orch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

struct ChaosPlan {
  int teams = 100;
  int replicas = 1;
  int max_parallel_runs = 8;  // per replica
  seconds chaos_for{60};      // strikes stop after this long...
  int enough_strikes = 10;    // ...or once every slot is settled after at least this many
  seconds settle_within{45};  // the last start's time to settle every slot
};

class ChaosTest : public CrashTest {
 protected:
  explicit ChaosTest(Backend backend) : CrashTest(backend) {}

  void run_chaos(const ChaosPlan& plan);
};

class ChaosSqliteTest : public ChaosTest {
 protected:
  ChaosSqliteTest() : ChaosTest(Backend::kSqlite) {}
};

class ChaosPostgresTest : public ChaosTest {
 protected:
  ChaosPostgresTest() : ChaosTest(Backend::kPostgres) {}
};

std::uint64_t chaos_seed() {
  std::string given = env_or_empty("CHAOS_SEED");
  if (!given.empty()) {
    return std::stoull(given);
  }
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

void ChaosTest::run_chaos(const ChaosPlan& plan) {
  const std::uint64_t seed = chaos_seed();
  const std::string backend = backend_name(database_->backend());
  std::cout << "[chaos] " << backend << " seed " << seed << " (replay: CHAOS_SEED=" << seed << ")"
            << std::endl;
  RecordProperty("chaos_seed", std::to_string(seed));
  std::mt19937_64 random(seed);
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(random); };
  auto between_ms = [&](int low, int high) {
    return milliseconds(std::uniform_int_distribution<int>(low, high)(random));
  };

  add_teams(plan.teams);
  // The slot a few seconds ahead; its run date is the slot's UTC date (past midnight included).
  const auto slot = std::chrono::floor<seconds>(std::chrono::system_clock::now()) + seconds(4);
  const std::string today =
      "run_date = '" + date::format("%F", date::floor<date::days>(slot)) + "'";
  const std::map<std::string, std::string> env{
      {"DAILY_RUN_TIME", date::format("%T", slot)},
      {"MISFIRE_GRACE_SECONDS", "3600"},
      {"MAX_PARALLEL_RUNS", std::to_string(plan.max_parallel_runs)},
      {"HEARTBEAT_TIMEOUT_SECONDS", "3"},
      {"SHUTDOWN_GRACE_SECONDS", "1"},
      {"PIPELINE_COMMAND", chaos_command(500, 2000, seed)}};
  auto settled = [&] {
    return count(today + " AND status = 'running'") == 0 &&
           one("SELECT COUNT(DISTINCT sales_team_id) FROM pipeline_runs WHERE " + today +
               " AND status = 'completed'") == std::to_string(plan.teams);
  };

  std::vector<std::unique_ptr<BackgroundProcess>> replicas;
  for (int i = 0; i < plan.replicas; ++i) {
    replicas.push_back(serve(env));
  }
  ASSERT_TRUE(poll_until([&] { return count(today + " AND status = 'running'") > 0; }, seconds(30)))
      << replicas.front()->output();

  int kills = 0;
  int sigterms = 0;
  int all_at_once = 0;
  std::vector<std::string> unclean_stops;
  size_t most_outliving = 0;  // pipelines alive while no service was
  const auto chaos_end = steady_clock::now() + plan.chaos_for;
  while (steady_clock::now() < chaos_end) {
    // The chaos's own pace: when it strikes is the point, so this is a random sleep.
    std::this_thread::sleep_for(between_ms(500, 3500));
    if (kills + sigterms >= plan.enough_strikes && settled()) {
      break;
    }
    std::vector<size_t> victims;
    if (plan.replicas > 1 && chance(0.2)) {
      for (size_t i = 0; i < replicas.size(); ++i) {
        victims.push_back(i);
      }
      ++all_at_once;
    } else {
      victims.push_back(std::uniform_int_distribution<size_t>(0, replicas.size() - 1)(random));
    }
    const bool hard = chance(0.6);
    for (size_t v : victims) {
      replicas[v]->send_signal(hard ? SIGKILL : SIGTERM);
      ++(hard ? kills : sigterms);
    }
    for (size_t v : victims) {
      int code = replicas[v]->wait(hard ? seconds(5) : seconds(30));
      if (!hard && code != 0) {
        unclean_stops.push_back("replica " + std::to_string(v) + " exited " + std::to_string(code) +
                                " after SIGTERM");
        replicas[v]->send_signal(SIGKILL);
        replicas[v]->wait(seconds(5));
      }
    }
    if (hard && victims.size() == replicas.size()) {
      most_outliving = std::max(most_outliving, live_pipelines(dir_.path()).size());
    }
    std::this_thread::sleep_for(between_ms(0, 1000));  // down for a random while
    for (size_t v : victims) {
      replicas[v] = serve(env);
    }
  }

  // The last start: nothing strikes any more; every slot must settle.
  const bool all_settled = poll_until(settled, plan.settle_within, milliseconds(250));
  for (auto& replica : replicas) {
    replica->send_signal(SIGTERM);
  }
  for (size_t i = 0; i < replicas.size(); ++i) {
    int code = replicas[i]->wait(seconds(30));
    if (code != 0) {
      unclean_stops.push_back("replica " + std::to_string(i) + " exited " + std::to_string(code) +
                              " at the final stop");
    }
  }
  const std::vector<int> left = pipelines_left();

  // What happened, printed whatever the outcome.
  std::string by_status;
  for (const auto& row : sql("SELECT status, COUNT(*) FROM pipeline_runs WHERE " + today +
                             " GROUP BY status ORDER BY status")) {
    by_status += " " + row;
  }
  std::map<int, long> completed;
  for (const auto& row : sql("SELECT sales_team_id, COUNT(*) FROM pipeline_runs WHERE " + today +
                             " AND status = 'completed' GROUP BY sales_team_id")) {
    auto bar = row.find('|');
    completed[std::stoi(row.substr(0, bar))] = std::stol(row.substr(bar + 1));
  }
  int teams_with[3] = {0, 0, 0};  // no completed run, exactly one, more than one
  std::string wrong_teams;
  int attempts = 0;
  int teams_overlapping = 0;
  size_t overlap_pairs = 0;
  std::int64_t longest_overlap_ns = 0;
  std::string overlap_example;
  for (int team = 1; team <= plan.teams; ++team) {
    long n = completed.count(team) ? completed[team] : 0;
    ++teams_with[std::min(n, 2L)];
    if (n != 1 && std::count(wrong_teams.begin(), wrong_teams.end(), '\n') < 5) {
      wrong_teams += "\n  team " + std::to_string(team) + ":" + history(team);
    }
    auto team_trails = trails(team);
    attempts += static_cast<int>(team_trails.size());
    auto pairs = overlapping(team_trails);
    if (!pairs.empty()) {
      ++teams_overlapping;
      overlap_pairs += pairs.size();
      for (const auto& [a, b] : pairs) {
        longest_overlap_ns =
            std::max(longest_overlap_ns, std::min(a.last_ns, b.last_ns) - b.first_ns);
      }
      if (overlap_example.empty()) {
        overlap_example = "team " + std::to_string(team) + ": runs " + pairs[0].first.run_id +
                          " and " + pairs[0].second.run_id + history(team);
      }
    }
  }
  const long running = count(today + " AND status = 'running'");
  long completed_without_end = 0;
  long stopped_with_end = 0;
  for (const auto& line : rows_contradicting_marks()) {
    ++(line.find(" is completed ") != std::string::npos ? completed_without_end : stopped_with_end);
  }
  std::cout << "[chaos] " << backend << ", " << plan.replicas << " replica(s), seed " << seed
            << ": " << plan.teams << " teams, " << kills << " kill -9, " << sigterms << " SIGTERM ("
            << all_at_once << " strikes on every replica at once), " << unclean_stops.size()
            << " unclean stops\n"
            << "[chaos] settled after the last start: " << (all_settled ? "yes" : "no") << "\n"
            << "[chaos] rows by status:" << by_status << "\n"
            << "[chaos] completed runs per team: 0 -> " << teams_with[0] << " teams, 1 -> "
            << teams_with[1] << " teams, 2+ -> " << teams_with[2] << " teams\n"
            << "[chaos] rows left running: " << running << "\n"
            << "[chaos] pipeline attempts: " << attempts << "; teams with attempts that ran at "
            << "the same time: " << teams_overlapping << " (" << overlap_pairs
            << " pairs, longest overlap " << longest_overlap_ns / 1'000'000 << " ms)\n"
            << "[chaos] most pipelines alive while no service was: " << most_outliving << "\n"
            << "[chaos] pipelines left after the final stop: " << left.size() << "\n"
            << "[chaos] rows against their marks: completed without END " << completed_without_end
            << ", abandoned/interrupted whose pipeline ran to its end " << stopped_with_end
            << std::endl;

  EXPECT_EQ(teams_with[1], plan.teams)
      << "teams without exactly one completed run, e.g.:" << wrong_teams;
  EXPECT_EQ(running, 0);
  EXPECT_EQ(teams_overlapping, 0) << "e.g. " << overlap_example;
  EXPECT_EQ(left, std::vector<int>{}) << "pipelines left running after every service stopped";
  EXPECT_EQ(completed_without_end, 0);
  EXPECT_EQ(unclean_stops, std::vector<std::string>{});
}

TEST_F(ChaosSqliteTest, ServeKilledAndStoppedAtRandomLosesNoTeamDayAndRunsNoSlotTwice) {
  ChaosPlan plan;
  run_chaos(plan);
}

TEST_F(ChaosPostgresTest, ThreeReplicasKilledAndStoppedAtRandomLoseNoTeamDayAndRunNoSlotTwice) {
  ChaosPlan plan;
  plan.replicas = 3;
  plan.max_parallel_runs = 4;
  run_chaos(plan);
}

}  // namespace
}  // namespace orch::testing
