#include "orchestrator/api/day_json.h"

#include <array>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include "orchestrator/api/run_json.h"

namespace orch::api {
namespace {

using nlohmann::json;

json text_or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

std::string dump(const json& value) {
  // Names and errors may hold bytes that are not UTF-8: U+FFFD instead.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string owner_id(const std::optional<TeamId>& team) {
  return team ? std::to_string(team->value) : "general";
}

std::string local_iso(SysTime at, const date::time_zone& zone) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  auto info = zone.get_info(seconds);
  std::string text = date::format("%FT%T", seconds + info.offset);
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char sign = minutes < 0 ? '-' : '+';
  minutes = minutes < 0 ? -minutes : minutes;
  std::array<char, 8> offset{};
  std::snprintf(offset.data(), offset.size(), "%c%02d:%02d", sign, static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return text + offset.data();
}

std::string day_report_json(const DayReport& report,
                            const std::vector<std::vector<notify::DeliveryRecord>>& notifications) {
  const date::time_zone* zone = date::locate_zone(report.timezone);
  json slots = json::array();
  for (const Slot& slot : report.day.slots) {
    slots.push_back({{"slot_key", slot.key()},
                     {"scheduled_for", format_utc_seconds(slot.at)},
                     {"local", local_iso(slot.at, *zone)},
                     {"schedule_note", text_or_null(slot.schedule_note)}});
  }
  json attempts = json::array();
  for (std::size_t i = 0; i < report.attempts.size(); ++i) {
    attempts.push_back(json::parse(run_json(report.attempts[i], RunDetail::kFull,
                                            i < notifications.size() ? &notifications[i] : nullptr),
                                   nullptr, false));
  }
  json out = {
      {"team", report.team ? std::to_string(report.team->id.value) : "general"},
      {"name", report.team ? report.team->name : "general"},
      {"pipeline", report.pipeline},
      {"date", format_date(report.date)},
      {"outcome", report.day.outcome},
      {"reason", text_or_null(report.day.reason)},
      {"run_id", report.day.run_id ? json(report.day.run_id->str()) : json(nullptr)},
      {"schedule", report.schedule},
      {"timezone", report.timezone},
      {"history", report.history_source},
      {"slots", std::move(slots)},
      {"attempts", std::move(attempts)},
  };
  return dump(out);
}

std::string calendar_json(const CalendarQuery& query, const Calendar& calendar) {
  json dates = json::array();
  for (const Date& d : calendar.dates) {
    dates.push_back(format_date(d));
  }
  json owners = json::array();
  for (const CalendarRow& row : calendar.owners) {
    json days = json::array();
    for (std::size_t i = 0; i < row.days.size() && i < calendar.dates.size(); ++i) {
      const TeamDay& day = row.days[i];
      days.push_back({{"date", format_date(calendar.dates[i])},
                      {"outcome", day.outcome},
                      {"run_id", day.run_id ? json(day.run_id->str()) : json(nullptr)},
                      {"reason", text_or_null(day.reason)}});
    }
    owners.push_back({{"id", owner_id(row.team)}, {"name", row.name}, {"days", std::move(days)}});
  }
  json out = {
      {"from", format_date(query.from)},
      {"to", format_date(query.to)},
      {"pipeline", query.pipeline},
      {"history", calendar.history_source},
      {"dates", std::move(dates)},
      {"teams", std::move(owners)},
      {"next_cursor",
       calendar.next_after ? json(owner_id(calendar.next_after->team)) : json(nullptr)},
  };
  return dump(out);
}

}  // namespace orch::api
