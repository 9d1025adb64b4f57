// Writes the packaged /etc/orchestrator/orchestrator.toml: describe() of the built-in defaults with
// every key commented out, so that the file never drifts from the code, except the paths a Debian
// installation keeps under /var/lib/orchestrator (the relative defaults would depend on the
// working folder of whoever runs a command).
//   orchestrator-default-config EXAMPLE_PIPELINE > orchestrator.toml
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"

namespace {

constexpr const char* kStateDir = "/var/lib/orchestrator";

constexpr const char* kHeader =
    "# /etc/orchestrator/orchestrator.toml: the settings of the orchestrator service and of the\n"
    "# orchestrator command. Each key is shown commented out at its built-in default: uncomment\n"
    "# and change what you need. Secrets (DATABASE_URL with a password, SMTP_PASSWORD,\n"
    "# SLACK_WEBHOOK_URL, API_TOKEN) belong in /etc/orchestrator/environment, not here; the\n"
    "# environment wins over this file. Check it with `orchestrator check-config`; apply it with\n"
    "# `systemctl restart orchestrator`. Reference: orchestrator(1) and\n"
    "# /usr/share/doc/orchestrator/docs/guide/configuration.md.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: orchestrator-default-config EXAMPLE_PIPELINE\n";
    return 2;
  }
  orch::config::LoadOptions options;
  options.working_dir = kStateDir;
  options.system_config.clear();
  options.default_pipeline = argv[1];
  auto loaded = orch::config::load(options);
  if (!loaded) {
    std::cerr << "error: " << loaded.error().message << "\n";
    return 1;
  }
  orch::config::Config config = *loaded;
  if (config.source_file) {
    std::cerr << "error: read " << config.source_file->string() << " instead of the defaults\n";
    return 1;
  }
  // Set, not commented: every command, whatever its working folder, uses the service's data.
  config.paths.input_dir = std::string(kStateDir) + "/inputs";
  config.paths.output_dir = std::string(kStateDir) + "/outputs";
  config.database.url = std::string("sqlite:") + kStateDir + "/orchestrator.db";
  const std::set<std::string> kept = {"paths.input_dir", "paths.output_dir", "database.url"};

  std::cout << kHeader;
  std::istringstream lines(orch::config::describe(config));
  std::string section;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) {
      continue;  // describe()'s own header: where the values came from
    }
    if (line.empty() || line.starts_with("[")) {
      section = line.empty() ? section : line.substr(1, line.size() - 2);
      std::cout << line << "\n";
      continue;
    }
    const std::string key = section + "." + line.substr(0, line.find(' '));
    if (key == "scheduler.max_parallel_runs") {
      std::cout << "# max_parallel_runs = " << config.scheduler.max_parallel_runs
                << "  # default: the number of cores\n";
    } else if (kept.count(key) > 0) {
      std::cout << line << "\n";
    } else {
      std::cout << "# " << line << "\n";
    }
  }
  return 0;
}
