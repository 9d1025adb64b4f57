#include "orchestrator/cli/cli.h"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/base/journal_socket.h"
#include "config/base/log.h"
#include "orchestrator/cli/command_line.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/usage_errors.h"
#include "orchestrator/core/version.h"
#include "orchestrator/schedule/cron_expression.h"
#include "pipeline/isolation.h"

namespace orch::cli {
namespace {

// The options every command takes, as typed.
struct GlobalOptions {
  std::optional<std::string> config_path;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
};

// The bundled example pipeline and the sandbox helper: beside the binary (the build tree), else
// where an install puts them (/usr/lib/orchestrator for /usr/bin/orchestrator).
std::filesystem::path companion(const char* name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    return name;
  }
  auto beside = self.parent_path() / name;
  auto installed = (self.parent_path() / ORCH_COMPANION_DIR_FROM_BIN / name).lexically_normal();
  return std::filesystem::exists(beside, ec) || !std::filesystem::exists(installed, ec) ? beside
                                                                                        : installed;
}

void add_global_options(CLI::App& app, GlobalOptions& global) {
  install_usage_errors(app);
  app.require_subcommand(1);
  // Accepted after any command too (fallthrough): `orchestrator serve --version`.
  app.set_version_flag("--version", "orchestrator " + std::string(version()));
  app.fallthrough();
  // As with most command lines, an option given twice takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--config", global.config_path,
                 "TOML configuration file (default: $ORCHESTRATOR_CONFIG, else "
                 "./orchestrator.toml, else /etc/orchestrator/orchestrator.toml, if present)");
  app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error or off")
      ->check(one_of({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", global.log_format, "text, json or journal")
      ->check(one_of({"text", "json", "journal"}));
}

// In the order `orchestrator --help` lists them.
void add_commands(Command& app) {
  add_serve_command(app);
  add_run_command(app);
  add_backfill_command(app);
  add_reschedule_command(app);
  add_teams_command(app);
  add_runs_command(app);
  add_logs_command(app);
  add_trigger_command(app);
  add_cancel_command(app);
  add_why_command(app);
  add_plan_command(app);
  add_pipelines_command(app);
  add_status_command(app);
  add_notify_command(app);
  add_audit_command(app);
  add_migrate_command(app);
  add_prune_command(app);
  add_check_config_command(app);
}

Result<config::Config> load_config(const GlobalOptions& global, config::LoadOptions& load) {
  if (global.config_path) {
    load.config_path = std::filesystem::path(*global.config_path);
  }
  load.working_dir = std::filesystem::current_path();
  load.env = config::process_environment();
  load.default_pipeline = companion("orchestrator-example-pipeline");
  load.sandbox_helper = companion("orchestrator-sandbox");
  load.check_cron = [](std::string_view expression) -> Result<void> {
    if (auto cron = parse_cron(expression); !cron) {
      return cron.error();
    }
    return {};
  };
  return config::load(load);
}

// --log-level and --log-format over the configured ones, then the logger started.
Status start_logging(const GlobalOptions& global, const config::LoadOptions& load,
                     config::Config& config) {
  if (global.log_level) {
    auto level = log::parse_level(*global.log_level);
    if (!level) {
      return invalid_argument("--log-level: " + level.error().message);
    }
    config.log.level = *level;
  }
  if (const auto& format = global.log_format) {
    if (*format != "text" && *format != "json" && *format != "journal") {
      return invalid_argument("--log-format: '" + *format +
                              "' is not allowed: use text, json or journal");
    }
    config.log.format = *format == "json"      ? log::Format::kJson
                        : *format == "journal" ? log::Format::kJournal
                                               : log::Format::kText;
  }
  // Under systemd, text lines go to the journal in its own form: native fields through its
  // socket, else lines with a priority and no timestamp.
  std::string journal_socket;
  if (auto stream = load.env.find("JOURNAL_STREAM"); config.log.format != log::Format::kJson &&
                                                     stream != load.env.end() &&
                                                     log::is_journal_stream(stream->second)) {
    config.log.format = log::Format::kJournal;
    journal_socket = log::kJournalSocket;
  }
  log::init(config.log.level, config.log.format, journal_socket);
  return {};
}

// Isolation that is required but unavailable refuses the commands that run pipelines (exit 2);
// the warning when it is only wanted comes from the RunExecutor that would run them. Returns
// what pipelines get.
Result<std::string> settle_isolation(const config::Config& config) {
  auto isolation = pipeline::settle_isolation(config);
  if (!isolation) {
    return isolation.error();
  }
  for (const config::NamedPipeline& named : config.pipelines) {
    if (auto own = pipeline::settle_isolation(config::with_pipeline(config, named)); !own) {
      return Error{own.error().code, "pipeline " + named.name + ": " + own.error().message};
    }
  }
  return pipeline::describe(*isolation);
}

int run_chosen(const CommandTable::Entry& chosen, const GlobalOptions& global) {
  config::LoadOptions load;
  auto loaded = load_config(global, load);
  if (!loaded) {
    return fail(loaded.error());
  }
  config::Config config = std::move(*loaded);
  set_error_context(config);
  if (Status ok = start_logging(global, load, config); !ok) {
    return fail(ok.error());
  }
  std::string isolation;
  if (chosen.isolation == Isolation::kSettled) {
    auto settled = settle_isolation(config);
    if (!settled) {
      return fail(settled.error());
    }
    isolation = std::move(*settled);
  }
  return chosen.run(Invocation{config, isolation});
}

int parse_and_run(int argc, char** argv) {
  CLI::App app{
      "Pipeline Orchestrator: runs the daily data pipeline once per sales team, each in its own "
      "folders, records every run in SQL and tells people how it went."};
  app.name("orchestrator");
  GlobalOptions global;
  add_global_options(app, global);
  CommandTable table;
  Command top(app, table);
  add_commands(top);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  const CommandTable::Entry* chosen = table.chosen();
  return chosen == nullptr ? kExitUsage : run_chosen(*chosen, global);
}

}  // namespace

int main(int argc, char** argv) {
  // Errors are values in this code: an exception that gets here is a bug, told in one line
  // rather than by an abort.
  try {
    return parse_and_run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (...) {
    std::fputs("error: an unexpected failure\n", stderr);
  }
  return kExitRunFailed;
}

}  // namespace orch::cli
