#include "config/base/ids.h"

#include <algorithm>
#include <charconv>
#include <ostream>

namespace orch {

Result<TeamId> parse_team_id(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 1 || value > kMaxTeamId) {
    return invalid_argument("team id '" + std::string(text) +
                            "' is not allowed: a team id is a whole number from 1 to " +
                            std::to_string(kMaxTeamId));
  }
  return TeamId{value};
}

bool is_run_id(std::string_view text) {
  constexpr std::string_view kPrefix = "run_";
  constexpr std::size_t kHexDigits = 16;
  if (text.size() != kPrefix.size() + kHexDigits || !text.starts_with(kPrefix)) {
    return false;
  }
  return text.substr(kPrefix.size()).find_first_not_of("0123456789abcdef") ==
         std::string_view::npos;
}

std::ostream& operator<<(std::ostream& out, const RunId& id) {
  return out << id.str();
}

std::string describe_team(const std::optional<TeamId>& team) {
  return team ? "team " + std::to_string(team->value) : std::string("general");
}

bool is_pipeline_name(std::string_view name) {
  auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  };
  return !name.empty() && name.size() <= 40 && name.front() >= 'a' && name.front() <= 'z' &&
         std::all_of(name.begin(), name.end(), allowed);
}

}  // namespace orch
