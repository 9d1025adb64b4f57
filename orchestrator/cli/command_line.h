#pragma once

// How a command joins the command line: its file declares its subcommand, options and help
// through Command, and what runs when the parse ends in it. Command is a thin face of CLI11, which
// is heavy to compile: only command_line.cpp, cli.cpp and usage_errors.cpp include it.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

// CLI11's own namespace, declared here to keep its heavy header out.
namespace CLI {  // NOLINT(readability-identifier-naming): the name is CLI11's
class App;
class Option;
}  // namespace CLI

namespace orch::cli {

enum class Format { kTable, kJson, kCsv };

// Whether `--format` offers csv besides table and json.
enum class Csv { kOffered, kNotOffered };

// Commands that run pipelines are refused when required isolation is unavailable.
enum class Isolation { kNotNeeded, kSettled };

// What a chosen command is given: the loaded configuration, and (only for a command that asked
// for Isolation::kSettled) a description of the isolation pipelines get.
struct Invocation {
  const config::Config& config;
  const std::string& isolation;
};
using CommandRun = std::function<int(const Invocation&)>;

// The commands in the order they were declared, each with the (sub)command that chooses it.
class CommandTable {
 public:
  struct Entry {
    const CLI::App* app;
    CommandRun run;
    Isolation isolation;
  };
  void add(Entry entry);
  // The command the parse ended in; nullptr when none. A subcommand is declared after its parent,
  // which the parse marks too: the last one marked is the one typed.
  const Entry* chosen() const;

 private:
  std::vector<Entry> entries_;
};

// One option of a command, to refine after adding it.
class Option {
 public:
  explicit Option(CLI::Option* option) : option_(option) {}
  Option& required();
  // The value must be a whole number: "--limit: 'ten' is not a whole number".
  Option& whole_number();
  // The value must be one of `allowed`, compared without case.
  Option& one_of(const std::vector<std::string>& allowed);

 private:
  CLI::Option* option_;
};

class Command {
 public:
  Command(CLI::App& app, CommandTable& table) : app_(&app), table_(&table) {}

  Command subcommand(const std::string& name, const std::string& help);
  // The command does nothing by itself: one of its subcommands must follow.
  void needs_subcommand();

  Option option(const std::string& name, std::optional<std::string>& value,
                const std::string& help);
  Option option(const std::string& name, std::string& value, const std::string& help);
  Option option(const std::string& name, int& value, const std::string& help);
  Option option(const std::string& name, std::optional<std::int64_t>& value,
                const std::string& help);
  void flag(const std::string& name, bool& value, const std::string& help);
  // --format table|json[|csv].
  void format(Format& value, Csv csv = Csv::kOffered);

  // What runs when the parse ends in this command.
  void runs(CommandRun run, Isolation isolation = Isolation::kNotNeeded);

 private:
  CLI::App* app_;
  CommandTable* table_;
};

// Each command file declares its commands; cli.cpp calls these in the order `--help` lists them.
void add_serve_command(Command& app);
void add_run_command(Command& app);
void add_backfill_command(Command& app);
void add_reschedule_command(Command& app);
void add_teams_command(Command& app);
void add_runs_command(Command& app);
void add_runs_show_command(Command& runs);  // runs show, declared by `runs`
void add_logs_command(Command& app);
void add_trigger_command(Command& app);
void add_cancel_command(Command& app);
void add_why_command(Command& app);
void add_plan_command(Command& app);
void add_pipelines_command(Command& app);
void add_status_command(Command& app);
void add_notify_command(Command& app);
void add_audit_command(Command& app);
void add_migrate_command(Command& app);
void add_prune_command(Command& app);
void add_check_config_command(Command& app);

}  // namespace orch::cli
