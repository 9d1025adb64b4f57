#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/base/result.h"

namespace orch::api {

// One HTTP request as the handlers see it: no Beast types, so that handlers and their tests need
// none of its headers.
struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // percent-decoded: "/api/v1/runs/run_0123"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string authorization;                               // the Authorization header, as sent
  std::string if_none_match;                               // the If-None-Match header, as sent
  std::string idempotency_key;                             // the Idempotency-Key header, as sent
  std::string body;

  // The first value of query parameter `name`, if given.
  std::optional<std::string> param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more than the ones every answer gets
};

// Splits a request target ("/a%20b?x=1&y") into the decoded path and query parameters. Fails
// with kInvalidArgument for a target that is not an absolute path or holds a bad %-escape, a
// NUL, or a path segment "." or "..".
Status parse_target(std::string_view target, HttpRequest& request);

// An RFC 9457 problem (application/problem+json): {"type", "title", "status", "detail"}.
// `detail` is one line: control characters in it are replaced by spaces.
HttpResponse problem(int status, std::string_view detail);
// The answer to a failure of ours, by its code: bad input 400, unknown 404, a conflict with the
// state (already there, busy) 409, a dependency down or too slow 503, anything else 500.
HttpResponse problem_for(const Error& error);

// A query parameter's whole number (decimal digits, an optional sign), nullopt for anything else.
std::optional<std::int64_t> whole_number(std::string_view text);
// A query parameter `name=value` that must be a whole number from `low` to `high`; else
// kInvalidArgument "name=value: use a whole number from low to high".
Result<int> bounded_whole_number(const std::string& name, const std::string& value, int low,
                                 int high);

// 200 with `body` (JSON text) as application/json.
HttpResponse json_response(std::string body);

}  // namespace orch::api
