#include <filesystem>
#include <fstream>
#include <string>

#include "orchestrator/api/endpoints.h"
#include "orchestrator/api/log_tail.h"
#include "orchestrator/api/run_json.h"

namespace orch::api {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;
constexpr std::int64_t kMaxTailLines = 100000;

Result<SysTime> parse_instant(const std::string& name, const std::string& text) {
  if (auto day = parse_date(text)) {
    return SysTime(date::sys_days(*day));
  }
  if (auto instant = parse_utc(text)) {
    return *instant;
  }
  return invalid_argument(name + "=" + text +
                          ": use a date (YYYY-MM-DD) or an ISO-8601 instant with an offset "
                          "(2026-12-05T02:00:00Z)");
}

// The cursor is the position of a page's last row: its creation instant in milliseconds and its
// row id, "MS.ID". Clients pass it back as it is.
std::string make_cursor(const RunRecord& last) {
  return std::to_string(last.created_at.time_since_epoch().count()) + "." + std::to_string(last.id);
}

Result<RunPageQuery::Position> parse_cursor(const std::string& text) {
  auto dot = text.find('.');
  auto ms = whole_number(std::string_view(text).substr(0, dot));
  auto id = dot == std::string::npos ? std::nullopt
                                     : whole_number(std::string_view(text).substr(dot + 1));
  if (!ms || !id) {
    return invalid_argument("cursor=" + text + ": use the next_cursor of the previous page");
  }
  return RunPageQuery::Position{SysTime(std::chrono::milliseconds(*ms)), *id};
}

// Whether a query parameter was one a filter reads.
enum class Filter { kRead, kNotMine };

// team, pipeline, status and triggered_by.
Result<Filter> read_owner_filter(const std::string& name, const std::string& value,
                                 RunPageQuery& query) {
  if (name == "team") {
    if (value == "general") {
      query.team = TeamFilter{std::nullopt};
    } else if (auto id = parse_team_id(value)) {
      query.team = TeamFilter{*id};
    } else {
      return invalid_argument("team=" + value + ": use a team id (1 to 2147483647) or general");
    }
  } else if (name == "pipeline") {
    if (value.empty()) {
      return invalid_argument("pipeline=: use a pipeline's name (e.g. daily)");
    }
    query.pipeline = value;
  } else if (name == "status") {
    auto status = parse_run_status(value);
    if (!status) {
      return invalid_argument("status=" + value + ": " + status.error().message);
    }
    query.status = *status;
  } else if (name == "triggered_by") {
    auto trigger = parse_trigger(value);
    if (!trigger) {
      return invalid_argument("triggered_by=" + value + ": " + trigger.error().message);
    }
    query.triggered_by = *trigger;
  } else {
    return Filter::kNotMine;
  }
  return Filter::kRead;
}

// since, until, limit and cursor.
Result<Filter> read_page_filter(const std::string& name, const std::string& value,
                                RunPageQuery& query) {
  if (name == "since" || name == "until") {
    auto at = parse_instant(name, value);
    if (!at) {
      return at.error();
    }
    (name == "since" ? query.since : query.until) = *at;
  } else if (name == "limit") {
    auto limit = bounded_whole_number(name, value, 1, kMaxLimit);
    if (!limit) {
      return limit.error();
    }
    query.limit = *limit;
  } else if (name == "cursor") {
    auto position = parse_cursor(value);
    if (!position) {
      return position.error();
    }
    query.after = *position;
  } else {
    return Filter::kNotMine;
  }
  return Filter::kRead;
}

Result<RunPageQuery> parse_run_filters(const HttpRequest& request) {
  RunPageQuery query;
  query.limit = kDefaultLimit;
  for (const auto& [name, value] : request.query) {
    auto owner = read_owner_filter(name, value, query);
    if (!owner) {
      return owner.error();
    }
    if (*owner == Filter::kRead) {
      continue;
    }
    auto page = read_page_filter(name, value, query);
    if (!page) {
      return page.error();
    }
    if (*page == Filter::kNotMine) {
      return invalid_argument("unknown query parameter '" + name +
                              "' (allowed: team, pipeline, status, triggered_by, since, until, "
                              "limit, cursor)");
    }
  }
  return query;
}

HttpResponse list_runs(const EndpointContext& context, const RouteContext& route) {
  auto query = parse_run_filters(route.request);
  if (!query) {
    return problem(400, query.error().message);
  }
  int wanted = query->limit;
  query->limit = wanted + 1;  // one more tells whether there is a next page
  auto rows = context.db.queries().page(*query);
  if (!rows) {
    return problem_for(rows.error());
  }
  std::string next = "null";
  if (static_cast<int>(rows->size()) > wanted) {
    rows->resize(static_cast<std::size_t>(wanted));
    next = "\"" + make_cursor(rows->back()) + "\"";
  }
  std::string body = "{\"runs\":[";
  for (std::size_t i = 0; i < rows->size(); ++i) {
    body += (i == 0 ? "" : ",") + run_json((*rows)[i], RunDetail::kSummary);
  }
  body += "],\"next_cursor\":" + next + "}";
  return json_response(std::move(body));
}

Result<RunRecord> find_run(const EndpointContext& context, const std::string& run_id) {
  auto found = context.db.runs().find(RunId(run_id));
  if (!found) {
    return found.error();
  }
  if (!*found) {
    return not_found("no run " + run_id);
  }
  return std::move(**found);
}

HttpResponse show_run(const EndpointContext& context, const RouteContext& route) {
  if (!route.request.query.empty()) {
    return problem(400, "this endpoint takes no query parameters");
  }
  auto run = find_run(context, route.params.at("run_id"));
  if (!run) {
    return run.error().code == ErrorCode::kNotFound ? problem(404, run.error().message)
                                                    : problem_for(run.error());
  }
  NotificationFilter filter;
  filter.run_id = run->run_id;
  auto sent = context.db.notifications().list(filter);
  if (!sent) {
    return problem_for(sent.error());
  }
  return json_response(run_json(*run, RunDetail::kFull, &*sent));
}

HttpResponse run_log(const EndpointContext& context, const RouteContext& route) {
  std::optional<std::int64_t> tail;
  for (const auto& [name, value] : route.request.query) {
    if (name != "tail") {
      return problem(400, "unknown query parameter '" + name + "' (allowed: tail)");
    }
    tail = whole_number(value);
    if (!tail || *tail < 1 || *tail > kMaxTailLines) {
      return problem(400, "tail=" + value + ": use a whole number of lines from 1 to " +
                              std::to_string(kMaxTailLines));
    }
  }
  const std::string& run_id = route.params.at("run_id");
  auto run = find_run(context, run_id);
  if (!run) {
    return run.error().code == ErrorCode::kNotFound ? problem(404, run.error().message)
                                                    : problem_for(run.error());
  }
  auto text = run_log_text(*run, context.config.paths.output_dir, tail);
  if (!text) {
    return problem(404, text.error().message);
  }
  HttpResponse response;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(*text);
  return response;
}

}  // namespace

void add_run_endpoints(Router& router, const EndpointContext& context) {
  router.add("GET", "/api/v1/runs", Access::kRead,
             [&context](const RouteContext& route) { return list_runs(context, route); });
  router.add("GET", "/api/v1/runs/{run_id}", Access::kRead,
             [&context](const RouteContext& route) { return show_run(context, route); });
  router.add("GET", "/api/v1/runs/{run_id}/log", Access::kRead,
             [&context](const RouteContext& route) { return run_log(context, route); });
}

}  // namespace orch::api
