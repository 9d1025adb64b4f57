// The storm's middle figure: the same loop as spawn_loop, but every start goes through the
// orchestrator's own ProcessLauncher (process group, working folder, bounded log, timeout), from
// PARALLEL threads. Between spawn_loop and a full storm it tells what the launcher costs apart
// from the scheduler, the database and the team folders.
//
//   launcher_loop --count N --parallel P --dir SCRATCH [--sandbox HELPER] -- /bin/true [ARGS...]
//
// --sandbox starts each run in a Landlock sandbox through HELPER (orchestrator-sandbox), with the
// rules a pipeline gets (the system's folders read-only, SCRATCH read-write): what the sandbox
// costs per run.
//
// Prints one JSON line: system, runs, parallel, failed, elapsed_s, runs_per_s.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/process_launcher.h"

int main(int argc, char** argv) {
  long count = 1000;
  long parallel = 2;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "launcher_loop";
  std::vector<std::string> command;
  std::string helper;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--count" && i + 1 < argc) {
      count = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--parallel" && i + 1 < argc) {
      parallel = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--sandbox" && i + 1 < argc) {
      helper = argv[++i];
    } else if (arg == "--") {
      command.assign(argv + i + 1, argv + argc);
      break;
    } else {
      command.clear();
      break;
    }
  }
  if (command.empty() || count <= 0 || parallel <= 0) {
    std::fprintf(
        stderr,
        "usage: launcher_loop --count N --parallel P --dir D [--sandbox HELPER] -- COMMAND "
        "[ARGS...]\n");
    return 2;
  }
  std::filesystem::create_directories(dir);
  auto launcher = orch::pipeline::make_posix_process_launcher();
  std::atomic<long> next{0};
  std::atomic<long> failed{0};
  auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (long w = 0; w < parallel; ++w) {
    workers.emplace_back([&, w] {
      orch::pipeline::ProcessSpec spec;
      spec.argv = command;
      spec.env = {{"PATH", "/usr/bin:/bin"}};
      spec.working_dir = dir;
      spec.log_file = dir / ("worker" + std::to_string(w) + ".log");
      if (!helper.empty()) {
        spec.sandbox = orch::pipeline::Sandbox{
            helper, {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/opt"}, {dir}};
      }
      while (next.fetch_add(1) < count) {
        orch::pipeline::StopSignal stop;
        auto outcome = launcher->run(spec, stop);
        if (outcome.kind != orch::pipeline::ProcessOutcome::Kind::kExited ||
            outcome.exit_code != 0) {
          ++failed;
        }
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - begin;
  std::printf(
      "{\"system\": \"%s\", \"runs\": %ld, \"parallel\": %ld, \"failed\": %ld, "
      "\"elapsed_s\": %.3f, \"runs_per_s\": %.1f}\n",
      helper.empty() ? "launcher_loop" : "launcher_loop_sandboxed", count, parallel, failed.load(),
      elapsed.count(), static_cast<double>(count) / elapsed.count());
  return failed == 0 ? 0 : 1;
}
