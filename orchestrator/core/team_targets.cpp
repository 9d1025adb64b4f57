#include "orchestrator/core/team_targets.h"

#include <algorithm>

namespace orch {
namespace {

// find() rebuilds a RunTarget field by field: a field added to RunTarget must be kept here too.
static_assert(sizeof(RunTarget) == 208, "RunTarget changed: keep its new fields in TeamTargets");

bool same(const config::RetryConfig& a, const config::RetryConfig& b) {
  return a.max_attempts == b.max_attempts && a.initial_delay == b.initial_delay &&
         a.max_delay == b.max_delay;
}

bool has_extra(const RunTarget& t, const config::RetryConfig& retry) {
  return !t.email_to.empty() || !t.slack_webhook.empty() || !same(t.retry, retry) ||
         !t.upstreams.empty() || t.wait_for_inputs.has_value();
}

}  // namespace

void TeamTargets::assign(const std::vector<ResolvedTeam>& resolved,
                         const std::vector<config::NamedPipeline>& pipelines) {
  std::vector<Pipeline> known;
  known.reserve(pipelines.size());
  for (const config::NamedPipeline& p : pipelines) {
    known.push_back(Pipeline{p.name, p.settings.retry});
  }
  auto retry_of = [&](const ResolvedTeam& r) -> const config::RetryConfig& {
    return known.at(r.schedule.pipeline).retry;
  };
  // The last of a key wins, as in a map assigned in turn: keep each key's last position.
  std::vector<std::size_t> order(resolved.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  auto key = [&](std::size_t i) {
    return ScheduleKey{team_key(resolved[i].target.team), resolved[i].schedule.pipeline};
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<std::size_t> kept;
  kept.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 1 == order.size() || key(order[i + 1]) != key(order[i])) {
      kept.push_back(order[i]);
    }
  }

  // Built aside, each part exactly sized, then swapped in whole: nothing is left over as
  // capacity for as long as the service runs.
  std::size_t name_bytes = 0;
  std::size_t extra_count = 0;
  for (std::size_t i : kept) {
    name_bytes += resolved[i].target.name.size();
    extra_count += has_extra(resolved[i].target, retry_of(resolved[i])) ? 1 : 0;
  }
  std::vector<Entry> entries;
  entries.reserve(kept.size());
  std::vector<Extra> extras;
  extras.reserve(extra_count);
  std::string names;
  names.reserve(name_bytes);
  for (std::size_t i : kept) {
    const RunTarget& t = resolved[i].target;
    Entry e{key(i), t.zone, static_cast<std::uint32_t>(names.size()),
            static_cast<std::uint32_t>(t.name.size()), kNone};
    names += t.name;
    if (has_extra(t, retry_of(resolved[i]))) {
      e.extra = static_cast<std::uint32_t>(extras.size());
      extras.push_back(Extra{t.email_to, t.slack_webhook, t.retry, t.upstreams, t.wait_for_inputs});
    }
    entries.push_back(e);
  }
  entries_ = std::move(entries);
  extras_ = std::move(extras);
  names_ = std::move(names);
  pipelines_ = std::move(known);
}

std::optional<RunTarget> TeamTargets::find(ScheduleKey key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, ScheduleKey k) { return e.key < k; });
  if (it == entries_.end() || it->key != key) {
    return std::nullopt;
  }
  RunTarget t;
  if (key.team != 0) {
    t.team = TeamId{key.team};
  }
  t.pipeline = pipelines_[key.pipeline].name;
  t.name = names_.substr(it->name_at, it->name_size);
  t.zone = it->zone;
  t.retry = pipelines_[key.pipeline].retry;
  if (it->extra != kNone) {
    const Extra& extra = extras_[it->extra];
    t.email_to = extra.email_to;
    t.slack_webhook = extra.slack_webhook;
    t.retry = extra.retry;
    t.upstreams = extra.upstreams;
    t.wait_for_inputs = extra.wait_for_inputs;
  }
  return t;
}

}  // namespace orch
