#include "orchestrator/cli/usage_errors.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "config/base/terminal_text.h"

namespace orch::cli {
namespace {

std::string join(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const std::string& word : words) {
    out += (out.empty() ? "" : separator) + word;
  }
  return out;
}

// The command that was being parsed when the error came: the last subcommand the parser entered.
const CLI::App* innermost(const CLI::App* app) {
  for (const CLI::App* sub : app->get_subcommands()) {
    return innermost(sub);
  }
  return app;
}

// "teams deactivate" for that subcommand, "" for the top level.
std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent()) {
    std::string step = app->get_name();
    if (!path.empty()) {
      step += ' ';
      step += path;
    }
    path = std::move(step);
  }
  return path;
}

std::vector<std::string> command_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

std::string quoted_words(const std::vector<std::string>& words) {
  std::vector<std::string> quoted;
  quoted.reserve(words.size());
  for (const std::string& word : words) {
    quoted.push_back("'" + word + "'");
  }
  return join(quoted, " ");
}

std::string message_for(const CLI::App* top, const CLI::Error& e) {
  const CLI::App* at = innermost(top);
  const std::string path = command_path(at);
  const std::string where = path.empty() ? "" : path + ": ";
  const std::string help = " (orchestrator " + (path.empty() ? "" : path + " ") + "--help)";
  // A command that needs a subcommand got none, or a word that is not one of them (which the
  // parser leaves for the top level).
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr &&
      at->get_require_subcommand_min() > 0 && at->get_subcommands().empty()) {
    const std::string commands =
        (path.empty() ? "commands: " : path + " commands: ") + join(command_names(at), ", ");
    std::vector<std::string> typed = top->remaining(true);
    if (typed.empty()) {
      return "a command is required (" + commands + ")";
    }
    return "unknown command " + quoted_words({typed.front()}) + " (" + commands + ")";
  }
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    std::vector<std::string> extra = top->remaining(true);
    if (!extra.empty()) {
      bool option = extra.front().rfind('-', 0) == 0;
      return where + (option ? "unknown option " : "unexpected argument ") +
             quoted_words({extra.front()}) + help;
    }
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    // CLI11 says "--team: 1 required TEXT missing" for an option given without its value.
    const std::string what = e.what();
    if (auto colon = what.find(':');
        colon != std::string::npos && what.size() > 8 && what.ends_with(" missing")) {
      return where + what.substr(0, colon) + " needs a value" + help;
    }
  }
  if (dynamic_cast<const CLI::ValidationError*>(&e) != nullptr) {
    return e.what();  // "--format: 'yaml' is not one of ...", from the validators below
  }
  return where + e.what() + help;
}

}  // namespace

void install_usage_errors(CLI::App& app) {
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    // What a person typed is quoted in the line: escaped, it stays one line.
    return "error: " + escape_controls(message_for(top, e)) + "\n";
  });
}

CLI::Validator one_of(const std::vector<std::string>& allowed) {
  return {[allowed](std::string& value) -> std::string {
            std::string lower = value;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (std::find(allowed.begin(), allowed.end(), lower) != allowed.end()) {
              value = lower;
              return {};
            }
            return "'" + value + "' is not one of " + join(allowed, ", ");
          },
          "{" + join(allowed, ",") + "}"};
}

CLI::Validator whole_number() {
  return {[](std::string& value) -> std::string {
            int parsed = 0;
            const char* end = value.data() + value.size();
            auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
            if (value.empty() || ec != std::errc() || ptr != end) {
              return "'" + value + "' is not a whole number";
            }
            return {};
          },
          ""};
}

}  // namespace orch::cli
