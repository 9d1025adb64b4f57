#include "orchestrator/core/team_targets.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace orch {
namespace {

// What a target shares with the others of its pipeline: all of it but its owner's identity, the
// fields find() sets back from the entry.
RunTarget shape_of(const RunTarget& target) {
  RunTarget shape = target;
  shape.team.reset();
  shape.name.clear();
  shape.zone = nullptr;
  return shape;
}

// The positions in `resolved` that are kept, by key: for a key given twice, the last.
std::vector<std::size_t> last_of_each_key(const std::vector<ResolvedTeam>& resolved) {
  std::vector<std::size_t> order(resolved.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto key = [&](std::size_t i) { return resolved[i].schedule.key(); };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<std::size_t> kept;
  kept.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 1 == order.size() || key(order[i + 1]) != key(order[i])) {
      kept.push_back(order[i]);
    }
  }
  return kept;
}

}  // namespace

void TeamTargets::assign(const std::vector<ResolvedTeam>& resolved) {
  const std::vector<std::size_t> kept = last_of_each_key(resolved);
  // Built aside, each part exactly sized, then swapped in whole: nothing is left over as
  // capacity for as long as the service runs.
  std::size_t name_bytes = 0;
  for (std::size_t i : kept) {
    name_bytes += resolved[i].target.name.size();
  }
  std::vector<Entry> entries;
  entries.reserve(kept.size());
  std::string names;
  names.reserve(name_bytes);
  std::vector<RunTarget> shapes;
  // Each pipeline's first shape and its latest: a new target is compared with these two only, so
  // the plain targets of a pipeline share a shape, and the few with settings of their own cost
  // at most two shapes each (their own, and the plain one after them).
  std::map<std::string, std::pair<std::uint32_t, std::uint32_t>, std::less<>> known;
  for (std::size_t i : kept) {
    const RunTarget& t = resolved[i].target;
    RunTarget shape = shape_of(t);
    auto [it, added] = known.try_emplace(t.pipeline);
    auto& [first, latest] = it->second;
    std::uint32_t index = first;
    if (!added && shapes[latest] == shape) {
      index = latest;
    } else if (added || shapes[first] != shape) {
      index = static_cast<std::uint32_t>(shapes.size());
      shapes.push_back(std::move(shape));
      first = added ? index : first;
      latest = index;
    }
    entries.push_back(Entry{resolved[i].schedule.key(), t.zone,
                            static_cast<std::uint32_t>(names.size()),
                            static_cast<std::uint32_t>(t.name.size()), index});
    names += t.name;
  }
  shapes.shrink_to_fit();
  entries_ = std::move(entries);
  shapes_ = std::move(shapes);
  names_ = std::move(names);
}

std::optional<RunTarget> TeamTargets::find(const ScheduleKey& key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, const ScheduleKey& k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) {
    return std::nullopt;
  }
  RunTarget t = shapes_[it->shape];
  t.team = key.team;
  t.name = names_.substr(it->name_at, it->name_size);
  t.zone = it->zone;
  return t;
}

}  // namespace orch
