#include "config/base/input_pattern.h"

#include <sstream>

namespace orch {
namespace {

constexpr std::string_view kField = "{run_date";
constexpr std::string_view kAllowed =
    "use {run_date} or {run_date:FORMAT} with the conversions %Y %m %d %y %j %b %B %a %A %e %u "
    "%w and %%";

bool is_date_conversion(char c) {
  return std::string_view("YmdyjbBaAeuw%").find(c) != std::string_view::npos;
}

// The date format of a field whose text after "{run_date" is `inside` (":%d.%m", or "" for the
// ISO date); `pattern` is the whole pattern, for the message.
Result<std::string> field_format(std::string_view pattern, std::string_view inside) {
  if (inside.empty()) {
    return std::string("%Y-%m-%d");
  }
  if (inside.front() != ':' || inside.size() == 1) {
    return invalid_argument("\"" + std::string(pattern) + "\": " + std::string(kAllowed));
  }
  std::string format(inside.substr(1));
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      continue;
    }
    if (i + 1 == format.size() || !is_date_conversion(format[i + 1])) {
      return invalid_argument("\"" + std::string(pattern) + "\": %" +
                              (i + 1 < format.size() ? std::string(1, format[i + 1]) : "") +
                              " is not a date conversion; " + std::string(kAllowed));
    }
    ++i;
  }
  return format;
}

// Expands every run-date field of `pattern`; with no date, only checks them.
Result<std::string> expand(std::string_view pattern, const Date* run_date) {
  std::string out;
  std::size_t at = 0;
  while (true) {
    std::size_t field = pattern.find(kField, at);
    out += pattern.substr(at, field == std::string_view::npos ? pattern.size() - at : field - at);
    if (field == std::string_view::npos) {
      return out;
    }
    std::size_t close = pattern.find('}', field);
    if (close == std::string_view::npos) {
      return invalid_argument("\"" + std::string(pattern) +
                              "\": an unclosed {run_date: " + std::string(kAllowed));
    }
    std::string_view inside = pattern.substr(field + kField.size(), close - field - kField.size());
    auto format = field_format(pattern, inside);
    if (!format) {
      return format.error();
    }
    if (run_date != nullptr) {
      std::ostringstream text;
      text << date::format(format->c_str(), date::sys_days(*run_date));
      out += text.str();
    }
    at = close + 1;
  }
}

}  // namespace

Result<std::string> expand_run_date(std::string_view pattern, Date run_date) {
  return expand(pattern, &run_date);
}

Status check_input_pattern(std::string_view pattern) {
  auto checked = expand(pattern, nullptr);
  if (!checked) {
    return checked.error();
  }
  return {};
}

}  // namespace orch
