#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "orchestrator/schedule/team_day.h"
#include "orchestrator/store/database.h"

namespace orch {

// "Why": one owner's (a team's or the general run's) pipeline on one local date.
struct DayQuery {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::string pipeline{kDefaultPipeline};
  Date date;
};

struct DayReport {
  std::optional<Team> team;  // std::nullopt: the general run
  std::string pipeline;
  Date date;
  std::string schedule;  // schedule_text()
  std::string timezone;
  TeamDay day;
  std::vector<RunRecord> attempts;  // every run of that owner and run date, oldest first
  // Where the paused and inactive stretches came from: "current state" (the team's state now
  // only) or "audit log".
  std::string history_source;
};

// Reads what the day needs (the team, its runs of the date, the services' sightings) and
// classifies it. kNotFound: no such team; kInvalidArgument: the team (or the general run) does
// not run that pipeline, or the pipeline is not configured, or its stored settings do not
// resolve; kUnavailable: the database.
Result<DayReport> explain_day(const config::Config& config, Database& db, const DayQuery& query,
                              SysTime now);

// The calendar: every owner that runs `pipeline` (the general run first, then teams by id) x
// every local date from `from` to `to`.
struct CalendarQuery {
  Date from;
  Date to;
  std::string pipeline{kDefaultPipeline};
  std::optional<TeamFilter> after;  // paging: only the owners after this one (general run first)
  int limit = 100;
};

struct CalendarRow {
  std::optional<TeamId> team;  // std::nullopt: the general run
  std::string name;
  std::vector<TeamDay> days;  // one per date, without their slots
};

struct Calendar {
  std::vector<Date> dates;
  std::vector<CalendarRow> owners;
  std::optional<TeamFilter> next_after;  // set when more owners follow
  std::string history_source;
};

Result<Calendar> team_calendar(const config::Config& config, Database& db,
                               const CalendarQuery& query, SysTime now);

// The stretches in which the team (or its pipeline) was not scheduled, as its state now tells
// them: paused or inactive since its last change (approximate), with its note.
std::vector<StateSpan> current_state_spans(const Team& team, const std::string& pipeline);

}  // namespace orch
