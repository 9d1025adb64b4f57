#include "orchestrator/cli/command_line.h"

#include <algorithm>
#include <map>
#include <utility>

#include <CLI/CLI.hpp>

#include "orchestrator/cli/usage_errors.h"

namespace orch::cli {

void CommandTable::add(Entry entry) {
  entries_.push_back(std::move(entry));
}

const CommandTable::Entry* CommandTable::chosen() const {
  auto it = std::find_if(entries_.rbegin(), entries_.rend(),
                         [](const Entry& entry) { return entry.app->parsed(); });
  return it == entries_.rend() ? nullptr : &*it;
}

Option& Option::required() {
  option_->required();
  return *this;
}

Option& Option::whole_number() {
  option_->check(cli::whole_number());
  return *this;
}

Option& Option::one_of(const std::vector<std::string>& allowed) {
  option_->check(cli::one_of(allowed));
  return *this;
}

Command Command::subcommand(const std::string& name, const std::string& help) {
  return {*app_->add_subcommand(name, help), *table_};
}

void Command::needs_subcommand() {
  app_->require_subcommand(1);
}

Option Command::option(const std::string& name, std::optional<std::string>& value,
                       const std::string& help) {
  return Option(app_->add_option(name, value, help));
}

Option Command::option(const std::string& name, std::string& value, const std::string& help) {
  return Option(app_->add_option(name, value, help));
}

Option Command::option(const std::string& name, int& value, const std::string& help) {
  return Option(app_->add_option(name, value, help));
}

Option Command::option(const std::string& name, std::optional<std::int64_t>& value,
                       const std::string& help) {
  return Option(app_->add_option(name, value, help));
}

void Command::flag(const std::string& name, bool& value, const std::string& help) {
  app_->add_flag(name, value, help);
}

void Command::format(Format& value, Csv csv) {
  static const std::map<std::string, Format> all_formats{
      {"table", Format::kTable}, {"json", Format::kJson}, {"csv", Format::kCsv}};
  static const std::map<std::string, Format> without_csv{{"table", Format::kTable},
                                                         {"json", Format::kJson}};
  const bool with_csv = csv == Csv::kOffered;
  app_->add_option("--format", value, "Output format")
      ->transform(CLI::Transformer(with_csv ? all_formats : without_csv).description(""))
      // A transform runs before those added earlier: the name is checked, then mapped.
      ->transform(with_csv ? cli::one_of({"table", "json", "csv"})
                           : cli::one_of({"table", "json"}));
}

void Command::runs(CommandRun run, Isolation isolation) {
  table_->add(CommandTable::Entry{app_, std::move(run), isolation});
}

}  // namespace orch::cli
