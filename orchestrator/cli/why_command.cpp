// `orchestrator why`: what happened to a team's pipeline on one day, and why, the same answer
// as GET /api/v1/teams/{id}/days/{date}.

#include <iostream>
#include <memory>

#include "config/base/clock.h"
#include "config/base/terminal_text.h"
#include "orchestrator/api/day_json.h"
#include "orchestrator/cli/commands.h"
#include "orchestrator/cli/output.h"
#include "orchestrator/core/team_days.h"

namespace orch::cli {
namespace {

void print_report(const DayReport& report, std::ostream& out) {
  // Names, reasons and errors come from the database: escaped, each stays on its line and cannot
  // drive the terminal.
  out << describe_owner(report.team ? std::optional(report.team->id) : std::nullopt,
                        report.pipeline)
      << (report.team ? " \"" + escape_controls(report.team->name) + "\"" : "") << " on "
      << format_date(report.date) << ": " << report.day.outcome << "\n";
  if (!report.day.reason.empty()) {
    out << "  why: " << escape_controls(report.day.reason) << "\n";
  }
  out << "  schedule: " << report.schedule << " in " << report.timezone
      << " (paused and inactive stretches from the " << report.history_source << ")\n";
  const date::time_zone* zone = nullptr;
  if (auto found = find_zone(report.timezone)) {
    zone = *found;
  }
  for (const Slot& slot : report.day.slots) {
    out << "  slot: " << slot.key() << " at "
        << (zone != nullptr ? format_local(slot.at, *zone) : format_utc_seconds(slot.at))
        << (slot.schedule_note.empty() ? "" : " (" + slot.schedule_note + ")") << "\n";
  }
  if (report.day.slots.empty()) {
    out << "  slot: none that day\n";
  }
  Table t;
  t.columns = {{"run_id"},     {"attempt"},      {"triggered_by"}, {"status"},
               {"started_at"}, {"completed_at"}, {"error"}};
  for (const RunRecord& r : report.attempts) {
    t.rows.push_back({r.run_id.str(), std::to_string(r.attempt), to_string(r.triggered_by),
                      to_string(r.status),
                      r.started_at ? std::optional(format_utc(*r.started_at)) : std::nullopt,
                      r.completed_at ? std::optional(format_utc(*r.completed_at)) : std::nullopt,
                      r.error.empty() ? std::nullopt : std::optional(r.error)});
  }
  if (t.rows.empty()) {
    out << "  attempts: none\n";
    return;
  }
  out << "\n";
  print(t, Format::kTable, out);
}

struct WhyOptions {
  std::optional<std::string> team;  // the id as typed
  bool general = false;
  std::optional<std::string> pipeline;  // default: daily
  std::string date;                     // YYYY-MM-DD
  Format format = Format::kTable;
};

int why(const config::Config& config, const WhyOptions& options) {
  if (options.general == options.team.has_value()) {
    return fail(invalid_argument("why: give exactly one of --team ID or --general"));
  }
  auto team = parse_team_option(options.team);
  if (!team) {
    return fail(team.error());
  }
  auto day = parse_date(options.date);
  if (!day) {
    return fail(invalid_argument("--date " + options.date + ": use a date, YYYY-MM-DD"));
  }
  auto pipeline = parse_pipeline_option(config, options.pipeline);
  if (!pipeline) {
    return fail(pipeline.error());
  }
  auto db = open_database(config, 1, Database::OpenMode::kExisting);
  if (!db) {
    return fail(db.error());
  }
  DayQuery query{*team, *pipeline, *day};
  auto report = explain_day(config, **db, query, SystemClock().now());
  if (!report) {
    return fail(report.error());
  }
  if (options.format == Format::kJson) {
    std::vector<std::vector<notify::DeliveryRecord>> sent;
    for (const RunRecord& run : report->attempts) {
      NotificationFilter filter;
      filter.run_id = run.run_id;
      auto listed = (*db)->notifications().list(filter);
      if (!listed) {
        return fail(listed.error());
      }
      sent.push_back(std::move(*listed));
    }
    std::cout << api::day_report_json(*report, sent) << "\n";
    return kExitOk;
  }
  print_report(*report, std::cout);
  return kExitOk;
}

}  // namespace

void add_why_command(Command& app) {
  auto options = std::make_shared<WhyOptions>();
  Command why_cmd = app.subcommand(
      "why", "What happened to a team's pipeline on one day, and why (or why nothing ran)");
  why_cmd.option("--team", options->team, "The team's id");
  why_cmd.flag("--general", options->general, "The general run (no team)");
  why_cmd.option("--pipeline", options->pipeline, "The pipeline (default: daily)");
  why_cmd.option("--date", options->date, "The day, YYYY-MM-DD, in the team's zone").required();
  why_cmd.format(options->format, Csv::kNotOffered);
  why_cmd.runs([options](const Invocation& in) { return why(in.config, *options); });
}

}  // namespace orch::cli
