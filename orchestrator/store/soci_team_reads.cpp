// Reading teams: every team, the active ones, one team; each with its pipelines' settings.
#include <algorithm>
#include <utility>

#include "orchestrator/store/soci_stored_values.h"
#include "orchestrator/store/soci_stores.h"
#include "orchestrator/store/soci_team_rows.h"

namespace orch::store {
namespace {

struct TeamRow {
  std::int64_t id = 0;
  std::string name;
  int active = 1;
  int paused = 0;
  NullableText run_time, timezone, cron, notify_email, notify_slack_webhook, pipelines, upstreams,
      dst_skipped, dst_repeated, overlap, pause_note;
  NullableInt retry_max_attempts, retry_initial_delay, retry_max_delay, wait_for_inputs;
  std::string active_since, created_at, updated_at;

  // Throws BadStoredValue for a time that is not one.
  Team to_team() const {
    const auto row = [this] { return "team " + std::to_string(id); };
    Team t;
    t.id = TeamId{id};
    t.name = name;
    t.active = active != 0;
    t.run_time = run_time.get();
    t.timezone = timezone.get();
    t.cron = cron.get();
    t.paused = paused != 0;
    t.pause_note = pause_note.get();
    auto number = [](const NullableInt& n) {
      auto v = n.get();
      return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
    };
    t.retry_max_attempts = number(retry_max_attempts);
    t.retry_initial_delay_seconds = number(retry_initial_delay);
    t.retry_max_delay_seconds = number(retry_max_delay);
    t.wait_for_inputs_seconds = number(wait_for_inputs);
    t.dst_skipped = dst_skipped.get();
    t.dst_repeated = dst_repeated.get();
    t.overlap = overlap.get();
    if (auto list = upstreams.get()) {
      // Written by teams add/update, which checked it; anything else written by hand is passed
      // over rather than stop every team from loading.
      if (auto parsed = parse_upstreams(*list)) {
        t.upstreams = std::move(*parsed);
      }
    }
    t.notify_email = notify_email.get();
    t.notify_slack_webhook = notify_slack_webhook.get();
    if (auto list = pipelines.get()) {
      t.pipelines = split_names(*list);
    }
    t.active_since = stored_time(active_since, row, "active_since");
    t.created_at = stored_time(created_at, row, "created_at");
    t.updated_at = stored_time(updated_at, row, "updated_at");
    return t;
  }
};

// Reads team_pipelines into the teams (sorted by id) it belongs to: those of team `id` only
// when given. A team with a row passed over (BadRows::kSkipAndLog) is passed over whole: without
// that row its pipeline would run on settings it does not have.
void read_pipeline_settings(soci::session& sql, const SociConnection& db, const std::int64_t* id,
                            BadRows bad_rows, std::vector<Team>& teams) {
  std::int64_t team = 0;
  std::string pipeline;
  NullableText run_time, cron, since, note;
  int paused = 0;
  soci::statement st(sql);
  st.exchange(soci::into(team));
  st.exchange(soci::into(pipeline));
  st.exchange(soci::into(run_time.value, run_time.ind));
  st.exchange(soci::into(cron.value, cron.ind));
  st.exchange(soci::into(paused));
  st.exchange(soci::into(since.value, since.ind));
  st.exchange(soci::into(note.value, note.ind));
  std::int64_t wanted = id != nullptr ? *id : 0;
  if (id != nullptr) {
    st.exchange(soci::use(wanted, "id"));
  }
  st.alloc();
  st.prepare("SELECT sales_team_id, pipeline, run_time, cron, paused, " +
             db.time_column("active_since") + ", pause_note FROM team_pipelines" +
             (id != nullptr ? " WHERE sales_team_id = :id" : "") +
             " ORDER BY sales_team_id, pipeline");
  st.define_and_bind();
  st.execute();
  while (st.fetch()) {
    auto it = std::lower_bound(teams.begin(), teams.end(), team,
                               [](const Team& t, std::int64_t key) { return t.id.value < key; });
    if (it == teams.end() || it->id.value != team) {
      continue;  // an inactive team's, when only the active ones are read
    }
    auto read = read_row(bad_rows, [&] {
      TeamPipeline p;
      p.pipeline = pipeline;
      p.run_time = run_time.get();
      p.cron = cron.get();
      p.paused = paused != 0;
      p.active_since = stored_time(
          since, [&] { return "team " + std::to_string(team) + ", pipeline " + pipeline; },
          "active_since");
      p.pause_note = note.get();
      return p;
    });
    if (read) {
      it->pipeline_settings.push_back(std::move(*read));
    } else {
      teams.erase(it);
    }
  }
}

}  // namespace

std::vector<Team> SociTeamStore::select(soci::session& sql, const std::string& where,
                                        std::int64_t id, BadRows bad_rows) {
  TeamRow row;
  soci::statement st(sql);
  st.exchange(soci::into(row.id));
  st.exchange(soci::into(row.name));
  st.exchange(soci::into(row.active));
  st.exchange(soci::into(row.paused));
  for (NullableText* t : {&row.run_time, &row.timezone, &row.cron, &row.notify_email,
                          &row.notify_slack_webhook, &row.pipelines, &row.upstreams,
                          &row.dst_skipped, &row.dst_repeated, &row.overlap, &row.pause_note}) {
    st.exchange(soci::into(t->value, t->ind));
  }
  for (NullableInt* n : {&row.retry_max_attempts, &row.retry_initial_delay, &row.retry_max_delay,
                         &row.wait_for_inputs}) {
    st.exchange(soci::into(n->value, n->ind));
  }
  st.exchange(soci::into(row.active_since));
  st.exchange(soci::into(row.created_at));
  st.exchange(soci::into(row.updated_at));
  if (where.find(":id") != std::string::npos) {
    st.exchange(soci::use(id, "id"));
  }
  st.alloc();
  st.prepare(
      "SELECT id, name, is_active, paused, run_time, timezone, cron, notify_email, "
      "notify_slack_webhook, pipelines, upstreams, dst_skipped, dst_repeated, overlap, pause_note, "
      "retry_max_attempts, "
      "retry_initial_delay_seconds, retry_max_delay_seconds, wait_for_inputs_seconds, " +
      db_.time_column("active_since") + ", " + db_.time_column("created_at") + ", " +
      db_.time_column("updated_at") + " FROM sales_teams" +
      (where.empty() ? "" : " WHERE " + where) + " ORDER BY id");
  st.define_and_bind();
  st.execute();
  std::vector<Team> out;
  while (st.fetch()) {
    if (auto team = read_row(bad_rows, [&row] { return row.to_team(); })) {
      out.push_back(std::move(*team));
    }
  }
  read_pipeline_settings(sql, db_, where.find(":id") != std::string::npos ? &id : nullptr, bad_rows,
                         out);
  return out;
}

Result<std::vector<Team>> SociTeamStore::list(Which which, BadRows bad_rows) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    return select(sql, which == Which::kActive ? "is_active = 1" : "", 0, bad_rows);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list teams");
  }
}

Result<std::optional<Team>> SociTeamStore::find(TeamId id) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return std::optional<Team>();
    }
    return std::optional<Team>(rows.front());
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read team " + std::to_string(id.value));
  }
}

}  // namespace orch::store
