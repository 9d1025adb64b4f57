// A pipeline for the crash-safety tests: it runs for a while and leaves a trail that shows when
// it ran, so a test can tell whether two attempts of one slot ever ran at the same time.
//
//   chaos_pipeline MIN_MS MAX_MS [SEED]
//
// It runs for MIN_MS to MAX_MS milliseconds (drawn from SEED and SALES_TEAM_ID, so a replayed
// test gives each team the same length), and appends one line every 100 ms to `marks` in TMPDIR
// (tmp/ in its run folder, where a sandboxed pipeline may write; else OUTPUT_DIR's parent, else
// its working folder):
//
//   <CLOCK_REALTIME ns> <pid> <RUN_ID> <SALES_TEAM_ID> START|TICK <elapsed ms>|END
//
// START is written first and END last, just before exit 0; a pipeline killed on the way leaves
// no END. Its pid is also written to `pid`. It sleeps between marks (it must not spin: many run
// at once on a small machine) and keeps the default signal dispositions, so SIGTERM kills it.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>
#include <string>

namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kMarkEveryNs = 100 * kNsPerMs;

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single-threaded
  return value == nullptr ? "" : value;
}

// Appends `line` with one write(2): O_APPEND keeps lines of several writers whole.
bool append(int fd, const std::string& line) {
  return write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

bool write_pid(const std::filesystem::path& folder) {
  int fd = open((folder / "pid").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return false;
  }
  bool ok = append(fd, std::to_string(getpid()) + "\n");
  close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::cerr << "usage: chaos_pipeline MIN_MS MAX_MS [SEED]\n";
    return 2;
  }
  long min_ms = std::strtol(argv[1], nullptr, 10);
  long max_ms = std::strtol(argv[2], nullptr, 10);
  if (min_ms < 0 || max_ms < min_ms) {
    std::cerr << "chaos_pipeline: MIN_MS and MAX_MS must satisfy 0 <= MIN_MS <= MAX_MS\n";
    return 2;
  }
  std::string seed = argc == 4 ? argv[3] : std::to_string(clock_ns(CLOCK_REALTIME));
  std::string run_id = env("RUN_ID");
  std::string team = env("SALES_TEAM_ID");
  std::mt19937_64 random(std::hash<std::string>{}(seed + "/" + team));
  long length_ms = std::uniform_int_distribution<long>(min_ms, max_ms)(random);

  std::string tmp_dir = env("TMPDIR");
  std::string output_dir = env("OUTPUT_DIR");
  std::filesystem::path folder = !tmp_dir.empty() ? std::filesystem::path(tmp_dir)
                                 : output_dir.empty()
                                     ? std::filesystem::current_path()
                                     : std::filesystem::path(output_dir).parent_path();
  int fd = open((folder / "marks").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0 || !write_pid(folder)) {
    std::cerr << "chaos_pipeline: cannot write in " << folder << ": " << std::strerror(errno)
              << "\n";
    return 1;
  }
  std::string who =
      " " + std::to_string(getpid()) + " " + run_id + " " + (team.empty() ? "-" : team) + " ";
  std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  std::int64_t end = start + length_ms * kNsPerMs;
  if (!append(fd, std::to_string(clock_ns(CLOCK_REALTIME)) + who + "START\n")) {
    return 1;
  }
  for (std::int64_t next = start + kMarkEveryNs; next < end; next += kMarkEveryNs) {
    timespec until{static_cast<time_t>(next / 1'000'000'000),
                   static_cast<long>(next % 1'000'000'000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
    }
    std::int64_t elapsed_ms = (clock_ns(CLOCK_MONOTONIC) - start) / kNsPerMs;
    if (!append(fd, std::to_string(clock_ns(CLOCK_REALTIME)) + who + "TICK " +
                        std::to_string(elapsed_ms) + "\n")) {
      return 1;
    }
  }
  timespec until{static_cast<time_t>(end / 1'000'000'000), static_cast<long>(end % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
  }
  bool ok = append(fd, std::to_string(clock_ns(CLOCK_REALTIME)) + who + "END\n");
  close(fd);
  return ok ? 0 : 1;
}
