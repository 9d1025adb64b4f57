// The physical limit the storm benchmark is measured against: starts COUNT copies of a command
// with posix_spawn, at most PARALLEL at a time, and reaps them with waitpid. No scheduling, no
// database, no files: what is left is the kernel's and the dynamic loader's cost of a process.
//
//   spawn_loop --count N --parallel P -- /bin/true [ARGS...]
//
// Prints one JSON line: system, runs, parallel, failed, elapsed_s, runs_per_s.
#include <fcntl.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;  // NOLINT: the POSIX interface to the process environment

namespace {

struct Options {
  long count = 1000;
  long parallel = 2;
  std::vector<char*> argv;
};

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--count" && i + 1 < argc) {
      options.count = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--parallel" && i + 1 < argc) {
      options.parallel = std::strtol(argv[++i], nullptr, 10);
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

  long started = 0;
  long running = 0;
  long failed = 0;
  auto begin = std::chrono::steady_clock::now();
  while (started < options.count || running > 0) {
    while (started < options.count && running < options.parallel) {
      pid_t pid = 0;
      int rc = posix_spawn(&pid, options.argv[0], &actions, nullptr, options.argv.data(), environ);
      ++started;
      if (rc != 0) {
        std::fprintf(stderr, "spawn_loop: %s: %s\n", options.argv[0], std::strerror(rc));
        ++failed;
        continue;
      }
      ++running;
    }
    if (running == 0) {
      continue;
    }
    int status = 0;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) {
        continue;
      }
      std::perror("spawn_loop: waitpid");
      return 1;
    }
    --running;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      ++failed;
    }
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - begin;
  posix_spawn_file_actions_destroy(&actions);
  std::printf(
      "{\"system\": \"spawn_loop\", \"runs\": %ld, \"parallel\": %ld, \"failed\": %ld, "
      "\"elapsed_s\": %.3f, \"runs_per_s\": %.1f}\n",
      options.count, options.parallel, failed, elapsed.count(),
      static_cast<double>(options.count) / elapsed.count());
  return failed == 0 ? 0 : 1;
}
