#include <cstdlib>
#include <iostream>
#include <memory>
#include <tuple>

#include <date/tz.h>

#include "config/base/clock.h"
#include "config/base/time_bound.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"

namespace orch::cli {
namespace {

// The machine's zone, which date(1) and journalctl read wall times in: $TZ when it names a zone,
// else /etc/localtime; UTC when neither says.
const date::time_zone& machine_zone() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before the command starts any thread.
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    if (auto zone = find_zone(tz[0] == ':' ? tz + 1 : tz)) {
      return **zone;
    }
  }
  try {
    return *date::current_zone();
  } catch (const std::exception&) {
    return *date::locate_zone("UTC");
  }
}

std::optional<std::string> opt_time(const std::optional<SysTime>& t) {
  return t ? std::optional<std::string>(format_utc(*t)) : std::nullopt;
}

template <class T>
std::optional<std::string> opt_number(const std::optional<T>& v) {
  return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

std::optional<std::string> opt_text(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// Which of the optional columns the table has.
struct RunColumns {
  bool full = false;           // every field: JSON and CSV (the terminal keeps to a screen)
  bool with_pipeline = false;  // the pipeline
  bool json = false;           // the owner's name beside its id
  bool notes = false;          // what daylight saving did to a slot
};

std::vector<Table::Column> run_columns(const RunColumns& shape) {
  std::vector<Table::Column> columns = {{"run_id"},
                                        {"sales_team_id", true},
                                        {"status"},
                                        {"triggered_by"},
                                        {"attempt", true},
                                        {"run_date"},
                                        {"purchase_date"},
                                        {"scheduled_for"},
                                        {"started_at"},
                                        {"completed_at"},
                                        {"duration_ms", true},
                                        {"total_loans", true},
                                        {"exceptions_count", true},
                                        {"exit_code", true},
                                        {"error"}};
  if (shape.with_pipeline) {
    columns.insert(columns.begin() + 2, {"pipeline"});
  }
  if (shape.json) {
    columns.insert(columns.begin() + 1, {"team"});
  }
  if (shape.notes) {
    columns.push_back({"schedule_note"});
  }
  if (shape.full) {
    columns.insert(
        columns.end(),
        {{"instance"}, {"log_path"}, {"created_at"}, {"metrics", true}, {"inputs", true}});
  }
  return columns;
}

std::vector<std::optional<std::string>> run_row(const RunRecord& r, const RunColumns& shape) {
  std::vector<std::optional<std::string>> row = {
      r.run_id.str(),
      r.team ? std::optional<std::string>(std::to_string(r.team->value)) : std::nullopt,
      to_string(r.status),
      to_string(r.triggered_by),
      std::to_string(r.attempt),
      format_date(r.run_date),
      opt_text(r.purchase_date),
      opt_time(r.scheduled_for),
      opt_time(r.started_at),
      opt_time(r.completed_at),
      opt_number(r.duration_ms),
      opt_number(r.total_loans),
      opt_number(r.exceptions_count),
      opt_number(r.exit_code),
      opt_text(r.error)};
  if (shape.with_pipeline) {
    row.insert(row.begin() + 2, r.pipeline);
  }
  if (shape.json) {
    row.insert(row.begin() + 1, r.team ? std::to_string(r.team->value) : "general");
  }
  if (shape.notes) {
    row.push_back(opt_text(r.schedule_note));
  }
  if (shape.full) {
    row.insert(row.end(), {opt_text(r.instance), opt_text(r.log_path), format_utc(r.created_at),
                           opt_text(r.metrics), opt_text(r.inputs)});
  }
  return row;
}

// The pipeline has a column when the configuration has several, or a run belongs to another
// than `daily`: a site with one pipeline sees the table it always saw. JSON names the owner as
// every command does ("3" or "general") beside the id; CSV keeps its columns where scripts that
// cut them expect them. What daylight saving did to a slot is always in JSON and CSV, and in the
// table when there is any.
Table run_table(const std::vector<RunRecord>& runs, Format format, bool with_pipeline) {
  RunColumns shape;
  shape.full = format != Format::kTable;
  shape.with_pipeline = with_pipeline;
  shape.json = format == Format::kJson;
  shape.notes = shape.full;
  for (const RunRecord& r : runs) {
    shape.notes = shape.notes || !r.schedule_note.empty();
  }
  Table t;
  t.when_empty = "no runs match";
  t.columns = run_columns(shape);
  for (const RunRecord& r : runs) {
    t.rows.push_back(run_row(r, shape));
  }
  return t;
}

struct RunsOptions {
  std::optional<std::string> team;  // an id, or "general"
  std::optional<std::string> pipeline;
  std::optional<std::string> status;
  std::optional<std::string> since;  // what parse_time_bound() reads, in the machine's zone
  std::optional<std::string> until;
  int limit = 20;
  Format format = Format::kTable;
};

int runs(const config::Config& config, const RunsOptions& options) {
  RunFilter filter;
  filter.limit = options.limit;
  if (options.limit < 1) {
    return fail(invalid_argument("--limit: use a whole number of at least 1"));
  }
  if (options.team) {
    if (*options.team == "general") {
      filter.team = TeamFilter{std::nullopt};
    } else {
      auto id = parse_team_id(*options.team);
      if (!id) {
        return fail(invalid_argument("--team: " + id.error().message + ", or 'general'"));
      }
      filter.team = TeamFilter{*id};
    }
  }
  if (options.pipeline) {
    // A pipeline no longer configured still has its history: any valid name is looked for.
    if (!is_pipeline_name(*options.pipeline)) {
      return fail(invalid_argument(
          "--pipeline: '" + *options.pipeline +
          "' is not a pipeline name (configured: " + config.pipeline_names() + ")"));
    }
    filter.pipeline = *options.pipeline;
  }
  if (options.status) {
    auto status = parse_run_status(*options.status);
    if (!status) {
      return fail(invalid_argument("--status: " + status.error().message));
    }
    filter.status = *status;
  }
  const SysTime now = SystemClock().now();
  for (auto [name, text, bound] : {std::tuple("--since", &options.since, &filter.since),
                                   std::tuple("--until", &options.until, &filter.until)}) {
    if (*text) {
      auto at = parse_time_bound(**text, now, machine_zone());
      if (!at) {
        return fail(invalid_argument(std::string(name) + ": " + at.error().message));
      }
      *bound = *at;
    }
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  auto rows = (*db)->runs().list(filter);
  if (!rows) {
    return fail(rows.error());
  }
  bool with_pipeline = config.pipelines.size() > 1 || options.pipeline.has_value();
  for (const RunRecord& r : *rows) {
    with_pipeline = with_pipeline || r.pipeline != kDefaultPipeline;
  }
  print(run_table(*rows, options.format, with_pipeline), options.format, std::cout);
  return kExitOk;
}

}  // namespace

void add_runs_command(Command& app) {
  auto options = std::make_shared<RunsOptions>();
  Command runs_cmd = app.subcommand("runs", "The run history, newest first");
  runs_cmd.option("--team", options->team, "A team's id, or 'general'");
  runs_cmd.option("--pipeline", options->pipeline, "Only this pipeline's runs");
  runs_cmd.option("--status", options->status, "running, completed, failed, ...");
  runs_cmd.option("--since", options->since,
                  "Runs created at or after: 2026-12-04T19:00 (local time), 2026-12-04, an "
                  "instant with Z or +HH:MM, 30m, 2h, 7d (ago), today, yesterday");
  runs_cmd.option("--until", options->until, "Runs created before: the same forms as --since");
  runs_cmd.option("--limit", options->limit, "At most this many runs (default 20)").whole_number();
  runs_cmd.format(options->format);
  runs_cmd.runs([options](const Invocation& in) { return runs(in.config, *options); });
  add_runs_show_command(runs_cmd);
}

}  // namespace orch::cli
