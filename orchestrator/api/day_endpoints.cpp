// GET /api/v1/calendar and GET /api/v1/teams/{id}/days/{date} ("why"): every team-day explained.

#include <malloc.h>

#include <chrono>

#include <date/tz.h>

#include "orchestrator/api/day_json.h"
#include "orchestrator/api/endpoints.h"

namespace orch::api {
namespace {

constexpr int kDefaultCalendarDays = 30;
constexpr int kMaxCalendarDays = 92;
constexpr int kDefaultCalendarLimit = 100;
constexpr int kMaxCalendarLimit = 1000;

SysTime clock_now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Result<Date> date_param(const std::string& name, const std::string& value) {
  auto parsed = parse_date(value);
  if (!parsed) {
    return invalid_argument(name + "=" + value + ": use a date, YYYY-MM-DD");
  }
  return *parsed;
}

// "general" or a team id: an owner's key (0: the general run).
Result<std::optional<TeamId>> owner_team(const std::string& name, const std::string& value) {
  if (value == "general") {
    return std::optional<TeamId>();
  }
  auto id = parse_team_id(value);
  if (!id) {
    return invalid_argument(name + "=" + value + ": use a team id (1 to 2147483647) or general");
  }
  return std::optional<TeamId>(*id);
}

Result<CalendarQuery> parse_calendar(const EndpointContext& context, const HttpRequest& request) {
  CalendarQuery query;
  query.limit = kDefaultCalendarLimit;
  std::optional<Date> from;
  std::optional<Date> to;
  for (const auto& [name, value] : request.query) {
    if (name == "from" || name == "to") {
      auto d = date_param(name, value);
      if (!d) {
        return d.error();
      }
      (name == "from" ? from : to) = *d;
    } else if (name == "pipeline") {
      query.pipeline = value;
    } else if (name == "limit") {
      auto n = bounded_whole_number(name, value, 1, kMaxCalendarLimit);
      if (!n) {
        return n.error();
      }
      query.limit = *n;
    } else if (name == "cursor") {
      auto team = owner_team(name, value);
      if (!team) {
        return invalid_argument("cursor=" + value + ": use the next_cursor of the previous page");
      }
      query.after = TeamFilter{*team};
    } else {
      return invalid_argument("unknown query parameter '" + name +
                              "' (allowed: from, to, pipeline, limit, cursor)");
    }
  }
  // Without dates: the last 30 days, today (in the scheduler's zone) included.
  query.to = to.value_or(local_date(clock_now(), *context.config.scheduler.zone));
  query.from = from.value_or(Date(date::sys_days(query.to) - date::days(kDefaultCalendarDays - 1)));
  auto days = (date::sys_days(query.to) - date::sys_days(query.from)).count() + 1;
  if (days < 1) {
    return invalid_argument("from=" + format_date(query.from) +
                            " is after to=" + format_date(query.to));
  }
  if (days > kMaxCalendarDays) {
    return invalid_argument("from=" + format_date(query.from) + " to=" + format_date(query.to) +
                            ": at most " + std::to_string(kMaxCalendarDays) + " days at once");
  }
  return query;
}

HttpResponse calendar(const EndpointContext& context, const RouteContext& route) {
  auto query = parse_calendar(context, route.request);
  if (!query) {
    return problem_for(query.error());
  }
  auto result = team_calendar(context.config, context.db, *query, clock_now());
  if (!result) {
    return problem_for(result.error());
  }
  std::string body = calendar_json(*query, *result);
  *result = Calendar{};
  // A page of a thousand teams reads their runs of three months: give back what that cached.
  context.db.release_memory();
  malloc_trim(0);
  return json_response(std::move(body));
}

HttpResponse why(const EndpointContext& context, const RouteContext& route) {
  DayQuery query;
  for (const auto& [name, value] : route.request.query) {
    if (name != "pipeline") {
      return problem(400, "unknown query parameter '" + name + "' (allowed: pipeline)");
    }
    query.pipeline = value;
  }
  auto team = owner_team("team", route.params.at("id"));
  if (!team) {
    return problem_for(team.error());
  }
  query.team = *team;
  auto day = date_param("date", route.params.at("date"));
  if (!day) {
    return problem_for(day.error());
  }
  query.date = *day;
  auto report = explain_day(context.config, context.db, query, clock_now());
  if (!report) {
    return problem_for(report.error());
  }
  std::vector<std::vector<notify::DeliveryRecord>> sent;
  for (const RunRecord& run : report->attempts) {
    NotificationFilter filter;
    filter.run_id = run.run_id;
    auto listed = context.db.notifications().list(filter);
    if (!listed) {
      return problem_for(listed.error());
    }
    sent.push_back(std::move(*listed));
  }
  return json_response(day_report_json(*report, sent));
}

}  // namespace

void add_day_endpoints(Router& router, const EndpointContext& context) {
  router.add("GET", "/api/v1/calendar", Access::kRead,
             [&context](const RouteContext& route) { return calendar(context, route); });
  router.add("GET", "/api/v1/teams/{id}/days/{date}", Access::kRead,
             [&context](const RouteContext& route) { return why(context, route); });
}

}  // namespace orch::api
