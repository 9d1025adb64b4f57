#include "pipeline/command_lookup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>

namespace orch::pipeline {
namespace {

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

bool is_executable_file(const std::filesystem::path& path, const struct stat& st) {
  return S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

bool is_executable_file(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && is_executable_file(path, st);
}

}  // namespace

// Looked up afresh at every run, never remembered: a binary replaced or removed since the last run
// must give the new binary or this function's own clear error, and access(2) also answers for what
// no remembered stat would show (a mount made noexec, an ACL changed).
// Like execvp, but in the child's PATH rather than ours: the pipeline must find what its own
// environment says, never what the orchestrator happens to have. A relative path (or PATH entry)
// is taken from the working folder, where the child will be when it execs.
Result<std::filesystem::path> resolve_command(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv.front().empty()) {
    return invalid_argument("pipeline command is empty");
  }
  const std::string& name = spec.argv.front();
  auto from_working_dir = [&spec](const std::filesystem::path& path) {
    return path.is_relative() && !spec.working_dir.empty() ? spec.working_dir / path : path;
  };
  if (name.find('/') != std::string::npos) {
    const std::filesystem::path path = from_working_dir(name);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return not_found("pipeline command " + in_quotes(name) + " does not exist");
    }
    if (!is_executable_file(path, st)) {
      return invalid_argument("pipeline command " + in_quotes(name) + " is not executable");
    }
    return path;
  }
  const auto path_var = spec.env.find("PATH");
  if (path_var == spec.env.end()) {
    return not_found("pipeline command " + in_quotes(name) +
                     " not found: the pipeline environment has no PATH");
  }
  std::string_view dirs = path_var->second;
  while (true) {
    const std::size_t colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    // An empty entry means the current folder to a shell; we refuse that implicit meaning.
    if (!dir.empty()) {
      const std::filesystem::path candidate = from_working_dir(std::filesystem::path(dir) / name);
      if (is_executable_file(candidate)) {
        return candidate;
      }
    }
    if (colon == std::string_view::npos) {
      break;
    }
    dirs.remove_prefix(colon + 1);
  }
  return not_found("pipeline command " + in_quotes(name) + " not found in PATH (" +
                   path_var->second + ")");
}

}  // namespace orch::pipeline
