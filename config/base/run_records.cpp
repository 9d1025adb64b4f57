#include "config/base/run_records.h"

#include <algorithm>
#include <utility>

namespace orch {

std::string to_string(const Upstream& upstream) {
  std::string out = upstream.team ? std::to_string(upstream.team->value) : "general";
  if (upstream.pipeline != kDefaultPipeline) {
    out += ":" + upstream.pipeline;
  }
  return out;
}

Result<Upstream> parse_upstream(std::string_view text) {
  auto refuse = [&] {
    return invalid_argument("'" + std::string(text) +
                            "' is not an upstream: use general or a team id, optionally "
                            "followed by :PIPELINE (e.g. general, 3, 3:month_end)");
  };
  Upstream upstream;
  std::string_view owner = text;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    owner = text.substr(0, colon);
    upstream.pipeline = std::string(text.substr(colon + 1));
    if (!is_pipeline_name(upstream.pipeline)) {
      return refuse();
    }
  }
  if (owner != "general") {
    auto id = parse_team_id(owner);
    if (!id) {
      return refuse();
    }
    upstream.team = *id;
  }
  return upstream;
}

Result<std::vector<Upstream>> parse_upstreams(std::string_view text) {
  std::vector<Upstream> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (!item.empty()) {
      auto upstream = parse_upstream(item);
      if (!upstream) {
        return upstream.error();
      }
      if (std::find(out.begin(), out.end(), *upstream) == out.end()) {
        out.push_back(std::move(*upstream));
      }
    }
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

}  // namespace orch
