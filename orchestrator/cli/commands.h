#pragma once

// What the commands of the `orchestrator` binary share: exit codes, the error line, the database
// and the options several of them take. Each command lives in a file of its own, with its options
// and help (see command_line.h).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "orchestrator/cli/command_line.h"
#include "orchestrator/store/database.h"

namespace orch {
struct ResolvedTeam;
}

namespace orch::cli {

// The exit codes every command shares (docs/guide/commands.md, "Errors, output and exit codes").
enum ExitCode : int {
  kExitOk = 0,
  kExitRunFailed = 1,
  kExitUsage = 2,
  kExitBusy = 3,
  kExitDatabase = 4,
  kExitTimeout = 5,
};

// Prints "error: <message>" on one line and returns the exit code its kind calls for. Once
// set_error_context() was called, the line ends with " (config: FILE, database: URL)".
int fail(const Error& error);
void set_error_context(const config::Config& config);

// Loads the email and Slack plugin when `channel` is given or notify.channels turns email or
// Slack on, so that a command that would send through them refuses to start without it: fails
// with kInvalidArgument (exit 2) and one line saying what needs it, where it was looked for and
// what to do.
Status load_notify_plugin(const config::Config& config,
                          std::optional<config::Channel> channel = std::nullopt);

// Opens the configured database (migrating it when needed). Only migrate, serve, run, backfill
// and teams add pass kCreateIfMissing; every other command fails (exit 4) on a missing SQLite file
// rather than leave an empty database behind.
Result<std::unique_ptr<Database>> open_database(const config::Config& config, int connections,
                                                Database::OpenMode mode);

// A --team option as typed: std::nullopt when absent; kInvalidArgument ("--team: ...") when it is
// not a team id.
Result<std::optional<TeamId>> parse_team_option(const std::optional<std::string>& text);

// A --pipeline option as typed: `daily` when absent; kInvalidArgument naming the configured
// pipelines when there is no such pipeline.
Result<std::string> parse_pipeline_option(const config::Config& config,
                                          const std::optional<std::string>& text);

// The team (std::nullopt: the general run) and pipeline to run now with its settings resolved;
// kNotFound (pointing to `orchestrator teams list`) when there is no such team.
Result<ResolvedTeam> team_to_run(Database& db, const config::Config& config,
                                 std::optional<TeamId> id, const std::string& pipeline);

// "team 3" or "general", and "'s month_end pipeline" for any pipeline but `daily`.
std::string describe_owner(const std::optional<TeamId>& team, const std::string& pipeline);

// Writes the audit row of a change this command made, by cli_actor(), at the current time.
// The change is already made: a failure here is reported as the command's error.
Status record_audit(Database& db, const std::string& action, const std::string& target,
                    std::optional<std::string> before, std::optional<std::string> after);

}  // namespace orch::cli
