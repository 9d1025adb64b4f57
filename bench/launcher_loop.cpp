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
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "pipeline/landlock.h"
#include "pipeline/process_launcher.h"

namespace {

struct Options {
  std::int64_t count = 1000;
  std::int64_t parallel = 2;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "launcher_loop";
  std::string helper;  // orchestrator-sandbox, when runs are sandboxed
  std::vector<std::string> command;
};

// A whole decimal number, all of `text`; 0 (refused by the caller) when it is not one.
std::int64_t number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : 0;
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--count" && has_value) {
      options.count = number(argv[++i]);
    } else if (arg == "--parallel" && has_value) {
      options.parallel = number(argv[++i]);
    } else if (arg == "--dir" && has_value) {
      options.dir = argv[++i];
    } else if (arg == "--sandbox" && has_value) {
      options.helper = argv[++i];
    } else if (arg == "--") {
      options.command.assign(argv + i + 1, argv + argc);
      break;
    } else {
      return false;
    }
  }
  return !options.command.empty() && options.count > 0 && options.parallel > 0;
}

// One worker's runs, through `launcher`, until `next` passes the count; counts the failures.
void run_worker(const Options& options, std::int64_t worker,
                orch::pipeline::ProcessLauncher& launcher, std::atomic<std::int64_t>& next,
                std::atomic<std::int64_t>& failed) {
  orch::pipeline::ProcessSpec spec;
  spec.argv = options.command;
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.working_dir = options.dir;
  spec.log_file = options.dir / ("worker" + std::to_string(worker) + ".log");
  if (!options.helper.empty()) {
    // The system's folders held open across runs, as the service holds them.
    const std::vector<std::filesystem::path> system = {"/usr",   "/bin", "/sbin", "/lib",
                                                       "/lib64", "/etc", "/opt"};
    spec.sandbox = orch::pipeline::Sandbox{
        options.helper, system, {options.dir}, std::make_shared<orch::pipeline::HeldPaths>(system)};
  }
  while (next.fetch_add(1) < options.count) {
    orch::pipeline::StopSignal stop;
    auto outcome = launcher.run(spec, stop);
    if (outcome.kind != orch::pipeline::ProcessOutcome::Kind::kExited || outcome.exit_code != 0) {
      ++failed;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(
        stderr,
        "usage: launcher_loop --count N --parallel P --dir D [--sandbox HELPER] -- COMMAND "
        "[ARGS...]\n");
    return 2;
  }
  std::filesystem::create_directories(options.dir);
  auto launcher = orch::pipeline::make_posix_process_launcher();
  std::atomic<std::int64_t> next{0};
  std::atomic<std::int64_t> failed{0};
  auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (std::int64_t w = 0; w < options.parallel; ++w) {
    workers.emplace_back([&, w] { run_worker(options, w, *launcher, next, failed); });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - begin;
  std::printf("{\"system\": \"%s\", \"runs\": %" PRId64 ", \"parallel\": %" PRId64
              ", \"failed\": %" PRId64 ", \"elapsed_s\": %.3f, \"runs_per_s\": %.1f}\n",
              options.helper.empty() ? "launcher_loop" : "launcher_loop_sandboxed", options.count,
              options.parallel, failed.load(), elapsed.count(),
              static_cast<double>(options.count) / elapsed.count());
  return failed == 0 ? 0 : 1;
}
