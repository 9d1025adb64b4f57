#pragma once

// How the command line's own mistakes are told: one "error: ..." line that says what was wrong
// and what is allowed, through CLI11's failure-message hook and validators. Only the files that
// own CLI11 (cli.cpp, command_line.cpp) include this header.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace orch::cli {

// Makes `app` (the top-level command) print every parse error as one line:
//   error: unknown command 'frobnicate' (commands: serve, run, ...)
//   error: teams deactivate: the argument id is required (orchestrator teams deactivate --help)
// Call before adding subcommands: they copy the hook when they are made.
void install_usage_errors(CLI::App& app);

// An option whose value must be one of `allowed` (compared without case, then stored as the
// allowed spelling): "--format: 'yaml' is not one of table, json, csv".
CLI::Validator one_of(const std::vector<std::string>& allowed);

// An option that takes a whole number: "--limit: 'ten' is not a whole number", instead of CLI11's
// conversion error.
CLI::Validator whole_number();

}  // namespace orch::cli
