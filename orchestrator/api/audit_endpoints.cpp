
#include <nlohmann/json.hpp>

#include "orchestrator/api/endpoints.h"

namespace orch::api {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

// The stored JSON as JSON; text that is not (written by hand in SQL) as a string.
nlohmann::json side(const std::optional<std::string>& text) {
  if (!text) {
    return nullptr;
  }
  auto parsed = nlohmann::json::parse(*text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(*text) : parsed;
}

Result<AuditQuery> parse_audit_query(const HttpRequest& request) {
  AuditQuery query;
  query.limit = kDefaultLimit;
  for (const auto& [name, value] : request.query) {
    if (name == "limit") {
      auto limit = bounded_whole_number(name, value, 1, kMaxLimit);
      if (!limit) {
        return limit.error();
      }
      query.limit = *limit;
    } else if (name == "cursor") {
      // The cursor is the id of a page's last entry; the next page holds the older ones.
      auto id = whole_number(value);
      if (!id || *id < 1) {
        return invalid_argument("cursor=" + value + ": use the next_cursor of the previous page");
      }
      query.before_id = *id;
    } else if (name == "target" || name == "actor") {
      if (value.empty()) {
        return invalid_argument(name + "=: give a value, e.g. " +
                                (name == "target" ? "team:7" : "api:ops"));
      }
      (name == "target" ? query.target : query.actor) = value;
    } else {
      return invalid_argument("unknown query parameter '" + name +
                              "' (allowed: limit, cursor, target, actor)");
    }
  }
  return query;
}

HttpResponse list_audit(const EndpointContext& context, const RouteContext& route) {
  auto query = parse_audit_query(route.request);
  if (!query) {
    return problem(400, query.error().message);
  }
  int wanted = query->limit;
  query->limit = wanted + 1;  // one more tells whether there is a next page
  auto entries = context.db.audit().page(*query);
  if (!entries) {
    return problem_for(entries.error());
  }
  nlohmann::json next = nullptr;
  if (static_cast<int>(entries->size()) > wanted) {
    entries->resize(static_cast<std::size_t>(wanted));
    next = std::to_string(entries->back().id);
  }
  nlohmann::json list = nlohmann::json::array();
  for (const AuditEntry& e : *entries) {
    list.push_back({{"id", e.id},
                    {"at", format_utc(e.at)},
                    {"actor", e.actor},
                    {"action", e.action},
                    {"target", e.target.empty() ? nlohmann::json() : nlohmann::json(e.target)},
                    {"before", side(e.before)},
                    {"after", side(e.after)}});
  }
  nlohmann::json body = {{"entries", list}, {"next_cursor", next}};
  return json_response(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void add_audit_endpoints(Router& router, const EndpointContext& context) {
  router.add("GET", "/api/v1/audit", Access::kRead,
             [&context](const RouteContext& route) { return list_audit(context, route); });
}

}  // namespace orch::api
