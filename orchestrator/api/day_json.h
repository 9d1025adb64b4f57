#pragma once

#include <string>
#include <vector>

#include "notify/delivery.h"
#include "orchestrator/core/team_days.h"

namespace date {
class time_zone;
}

namespace orch::api {

// "why" as JSON text: {"team", "pipeline", "date", "outcome", "reason", "run_id", "schedule",
// "timezone", "history", "slots": [{"slot_key", "scheduled_for", "local", "schedule_note"}],
// "attempts": [each run as run_json(kFull) with its notifications]}. `notifications[i]` belongs
// to report.attempts[i]. The API's answer and `orchestrator why --format json`.
std::string day_report_json(const DayReport& report,
                            const std::vector<std::vector<notify::DeliveryRecord>>& notifications);

// The calendar as JSON text: {"from", "to", "pipeline", "history", "dates", "teams": [{"id",
// "name", "days": [{"date", "outcome", "run_id", "reason"}]}], "next_cursor"}.
std::string calendar_json(const CalendarQuery& query, const Calendar& calendar);

// An instant in `zone` as ISO-8601 with its offset: "2026-12-05T06:00:00-05:00".
std::string local_iso(SysTime at, const date::time_zone& zone);

// How the API names an owner: "general" or the team id.
std::string owner_id(const std::optional<TeamId>& team);

}  // namespace orch::api
