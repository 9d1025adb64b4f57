// The physical limit the storm benchmark is measured against: PARALLEL threads each start a copy
// of a command with posix_spawn and reap it with waitpid, COUNT in all. No scheduling, no
// database, no files: what is left is the kernel's and the dynamic loader's cost of a process.
// One thread per slot, as a scheduler's workers do: posix_spawn holds its caller until the child
// has exec'd (CLONE_VFORK), so a single thread keeping P children in flight would exec them one
// at a time and understate what P cores can do.
//
//   spawn_loop --count N --parallel P -- /bin/true [ARGS...]
//
// Prints one JSON line: system, runs, parallel, failed, elapsed_s, runs_per_s.
#include <fcntl.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

// POSIX declares the process environment so; the rule against mutable globals cannot apply.
extern char** environ;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

namespace {

struct Options {
  std::int64_t count = 1000;
  std::int64_t parallel = 2;
  std::vector<char*> argv;
};

// A whole decimal number, all of `text`; 0 (refused by the caller) when it is not one.
std::int64_t number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : 0;
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--count" && i + 1 < argc) {
      options.count = number(argv[++i]);
    } else if (arg == "--parallel" && i + 1 < argc) {
      options.parallel = number(argv[++i]);
    } else if (arg == "--") {
      for (++i; i < argc; ++i) {
        options.argv.push_back(argv[i]);
      }
    } else {
      return false;
    }
  }
  options.argv.push_back(nullptr);
  return options.argv.size() > 1 && options.count > 0 && options.parallel > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr, "usage: spawn_loop --count N --parallel P -- COMMAND [ARGS...]\n");
    return 2;
  }
  // The same plumbing a scheduler gives a pipeline: no stdin, output discarded.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);

  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> failed{0};
  auto worker = [&] {
    while (next.fetch_add(1) < options.count) {
      pid_t pid = 0;
      int rc = posix_spawn(&pid, options.argv[0], &actions, nullptr, options.argv.data(), environ);
      if (rc != 0) {
        std::fprintf(stderr, "spawn_loop: %s: %s\n", options.argv[0],
                     std::generic_category().message(rc).c_str());
        ++failed;
        continue;
      }
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ++failed;
      }
    }
  };
  auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::int64_t i = 0; i < options.parallel; ++i) {
    threads.emplace_back(worker);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - begin;
  posix_spawn_file_actions_destroy(&actions);
  std::printf("{\"system\": \"spawn_loop\", \"runs\": %" PRId64 ", \"parallel\": %" PRId64
              ", \"failed\": %" PRId64 ", \"elapsed_s\": %.3f, \"runs_per_s\": %.1f}\n",
              options.count, options.parallel, failed.load(), elapsed.count(),
              static_cast<double>(options.count) / elapsed.count());
  return failed == 0 ? 0 : 1;
}
