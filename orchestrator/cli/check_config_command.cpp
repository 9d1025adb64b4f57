// check-config: the effective configuration, then a preflight of what `serve` will need, so that
// an installation that cannot run is found before the first slot, not at it.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "config/base/terminal_text.h"
#include "orchestrator/cli/commands.h"
#include "pipeline/command_lookup.h"

namespace orch::cli {
namespace {

namespace fs = std::filesystem;

// A folder the service writes below: it exists and is writable, or the nearest folder that
// exists on its way is, so that the service can make it.
std::optional<std::string> folder_problem(const std::string& key, const fs::path& folder) {
  std::error_code ec;
  if (fs::exists(folder, ec)) {
    if (!fs::is_directory(folder, ec)) {
      return key + " " + folder.string() + " is not a folder";
    }
    if (::access(folder.c_str(), W_OK | X_OK) != 0) {
      return key + " " + folder.string() + " is not writable by this user";
    }
    return std::nullopt;
  }
  fs::path ancestor = folder.parent_path();
  while (!ancestor.empty() && !fs::exists(ancestor, ec) && ancestor != ancestor.parent_path()) {
    ancestor = ancestor.parent_path();
  }
  if (!fs::is_directory(ancestor, ec) || ::access(ancestor.c_str(), W_OK | X_OK) != 0) {
    return key + " " + folder.string() +
           " does not exist and cannot be made: " + ancestor.string() + " is not a writable folder";
  }
  return std::nullopt;
}

std::optional<std::string> command_problem(const std::string& key,
                                           const std::vector<std::string>& command) {
  pipeline::ProcessSpec spec;
  spec.argv = command;
  // Pipelines get the service's PATH (see the pipeline protocol).
  if (const char* path = std::getenv("PATH"); path != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    spec.env["PATH"] = path;
  }
  auto found = pipeline::resolve_command(spec);
  if (!found) {
    return key + ": " + found.error().message;
  }
  return std::nullopt;
}

// The database answers and has a schema this build knows. A SQLite file that does not exist yet
// is no problem when its folder can be made: serve and migrate create it.
std::optional<std::string> database_problem(const config::Config& config, std::string& note) {
  const std::string& url = config.database.url;
  if (url.rfind("sqlite:", 0) == 0) {
    fs::path file = url.substr(url.rfind("sqlite://", 0) == 0 ? 9 : 7);
    std::error_code ec;
    if (!fs::exists(file, ec)) {
      note = "does not exist yet; serve and migrate create it";
      return folder_problem("the database's folder", file.parent_path());
    }
  }
  auto db = Database::open(url, 1, Database::OpenMode::kExisting);
  if (!db) {
    return "database " + config::redact_url(url) + ": " + db.error().message;
  }
  auto version = (*db)->migrate();
  if (!version) {
    return "database " + config::redact_url(url) + ": " + version.error().message;
  }
  if (*version > Database::latest_schema_version()) {
    return "database " + config::redact_url(url) + ": schema version " + std::to_string(*version) +
           " is newer than this build's (" + std::to_string(Database::latest_schema_version()) +
           "): upgrade the orchestrator";
  }
  note = "answers, schema version " + std::to_string(*version);
  return std::nullopt;
}

int check_config(const config::Config& config, const std::string& isolation) {
  std::cout << config::describe(config);
  std::cout << "\n# isolation: " << isolation << "\n";

  std::vector<std::string> problems;
  if (auto plugin = load_notify_plugin(config); !plugin) {
    problems.push_back(plugin.error().message);
  }
  // Every pipeline's command: `daily`'s is [pipeline]'s, the others' [pipelines.<name>]'s.
  if (config.pipelines.empty()) {
    if (auto problem = command_problem("pipeline.command", config.pipeline.command)) {
      problems.push_back(*problem);
    }
  }
  for (const auto& named : config.pipelines) {
    std::string key =
        named.name == "daily" ? "pipeline.command" : "pipelines." + named.name + ".command";
    if (auto problem = command_problem(key, named.settings.command)) {
      problems.push_back(*problem);
    }
  }
  if (auto problem = folder_problem("paths.input_dir", config.paths.input_dir)) {
    problems.push_back(*problem);
  }
  if (auto problem = folder_problem("paths.output_dir", config.paths.output_dir)) {
    problems.push_back(*problem);
  }
  std::string database_note;
  if (auto problem = database_problem(config, database_note)) {
    problems.push_back(*problem);
  } else {
    std::cout << "# database: " << config::redact_url(config.database.url) << " " << database_note
              << "\n";
  }
  for (const auto& problem : problems) {
    std::cerr << "error: check-config: " << escape_controls(problem) << "\n";
  }
  return problems.empty() ? kExitOk : kExitUsage;
}

}  // namespace

void add_check_config_command(Command& app) {
  Command check_cmd =
      app.subcommand("check-config",
                     "Validate the configuration, print it (secrets redacted) and check what "
                     "serve needs: plugin, pipeline command, folders, database");
  check_cmd.runs([](const Invocation& in) { return check_config(in.config, in.isolation); },
                 Isolation::kSettled);
}

}  // namespace orch::cli
