#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "config/base/result.h"

namespace orch {

// A sales team's id: a positive integer. The general run has no team (std::nullopt).
struct TeamId {
  std::int64_t value = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=> (it has no 0).
  friend auto operator<=>(const TeamId&, const TeamId&) = default;
};

// The largest team id we accept; it keeps ids within a 32-bit column and within folder names.
inline constexpr std::int64_t kMaxTeamId = 2147483647;

// Parses a team id ("3"); anything but a positive integer up to kMaxTeamId is refused.
Result<TeamId> parse_team_id(std::string_view text);

// "team 3" or "general": how a run's owner is named in messages.
std::string describe_team(const std::optional<TeamId>& team);

// The pipeline the [pipeline] table declares, which every team runs unless told otherwise; runs
// recorded before pipelines had names belong to it.
inline constexpr std::string_view kDefaultPipeline = "daily";

// Whether `name` may name a pipeline: 1 to 40 of a-z, 0-9, '_' and '-', starting with a letter
// (it becomes a folder name, a metrics label and a word on the command line).
bool is_pipeline_name(std::string_view name);

// A run's id as the store makes them: "run_" and 16 lowercase hex digits. Run folders are named
// by it, which is how pruning tells the folders it made from anything else in a runs folder.
bool is_run_id(std::string_view text);

// A run's id (pipeline_runs.run_id). Made from text only explicitly: where the store reads a row,
// or where a user names a run (the command line, a URL); it is text again only at the edges (SQL,
// JSON, log lines, a run's environment). Empty: no run. Not checked against is_run_id(), because
// a user may name a run that does not exist.
class RunId {
 public:
  RunId() = default;
  explicit RunId(std::string text) : text_(std::move(text)) {}

  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }

  friend bool operator==(const RunId&, const RunId&) = default;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=> (it has no 0).
  friend auto operator<=>(const RunId&, const RunId&) = default;

 private:
  std::string text_;
};

inline const std::string& to_string(const RunId& id) {
  return id.str();
}
std::ostream& operator<<(std::ostream& out, const RunId& id);

}  // namespace orch

template <>
struct std::hash<orch::RunId> {
  std::size_t operator()(const orch::RunId& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
