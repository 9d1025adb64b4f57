#include "orchestrator/api/http_message.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace orch::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// `plus_is_space`: in a query, '+' stands for a space (HTML forms); in a path it is a '+'.
Result<std::string> decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      bool room = i + 2 < text.size();
      int high = room ? hex_value(text[i + 1]) : -1;
      int low = room ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return invalid_argument("a '%' not followed by two hex digits");
      }
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') {
      return invalid_argument("a NUL character");
    }
    out += c;
  }
  return out;
}

std::string_view reason(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

}  // namespace

std::optional<std::string> HttpRequest::param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

Status parse_target(std::string_view target, HttpRequest& request) {
  if (target.empty() || target.front() != '/') {
    return invalid_argument("the request target must be an absolute path");
  }
  auto question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  auto path = decode(raw_path, false);
  if (!path) {
    return invalid_argument("the path holds " + path.error().message);
  }
  // No handler reads files, but a path is never given a second meaning by dot segments either.
  for (std::size_t start = 1; start <= path->size();) {
    auto end = path->find('/', start);
    if (end == std::string::npos) {
      end = path->size();
    }
    std::string_view segment(path->data() + start, end - start);
    if (segment == "." || segment == "..") {
      return invalid_argument("the path holds a '.' or '..' segment");
    }
    start = end + 1;
  }
  request.path = std::move(*path);
  request.query.clear();
  if (question == std::string_view::npos) {
    return {};
  }
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    auto eq = pair.find('=');
    auto key = decode(pair.substr(0, eq), true);
    auto value =
        decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) {
      return invalid_argument("the query holds " + (key ? value.error() : key.error()).message);
    }
    request.query.emplace_back(std::move(*key), std::move(*value));
  }
  return {};
}

HttpResponse problem(int status, std::string_view detail) {
  std::string line(detail);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = ' ';
    }
  }
  nlohmann::json body = {{"type", "about:blank"},
                         {"title", std::string(reason(status))},
                         {"status", status},
                         {"detail", line}};
  HttpResponse response;
  response.status = status;
  response.content_type = "application/problem+json";
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

HttpResponse json_response(std::string body) {
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

HttpResponse problem_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return problem(400, error.message);
    case ErrorCode::kNotFound:
      return problem(404, error.message);
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition:
      return problem(409, error.message);
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return problem(503, error.message);
    default:
      return problem(500, error.message);
  }
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

Result<int> bounded_whole_number(const std::string& name, const std::string& value, int low,
                                 int high) {
  auto n = whole_number(value);
  if (!n || *n < low || *n > high) {
    return invalid_argument(name + "=" + value + ": use a whole number from " +
                            std::to_string(low) + " to " + std::to_string(high));
  }
  return static_cast<int>(*n);
}

}  // namespace orch::api
