// Writing teams: adding one, changing its settings, activating and pausing it.
#include <utility>
#include <vector>

#include "orchestrator/store/soci_stores.h"
#include "orchestrator/store/soci_team_rows.h"

namespace orch::store {

namespace {

// The id a new team gets: `id` if free, else the next after the highest. kAlreadyExists when
// `id` is taken; kInvalidArgument when no id is left above the highest.
Result<std::int64_t> new_team_id(soci::session& sql, std::optional<TeamId> id) {
  if (id) {
    std::int64_t wanted = id->value;
    std::int64_t taken = 0;
    sql << "SELECT COUNT(*) FROM sales_teams WHERE id = :id", soci::use(wanted, "id"),
        soci::into(taken);
    if (taken > 0) {
      return Error{ErrorCode::kAlreadyExists, "team " + std::to_string(wanted) + " exists already"};
    }
    return wanted;
  }
  std::int64_t max_id = 0;
  soci::indicator ind = soci::i_null;
  sql << "SELECT MAX(id) FROM sales_teams", soci::into(max_id, ind);
  const std::int64_t next = (ind == soci::i_ok ? max_id : 0) + 1;
  // Past the top, the next id would be one that every command refuses (and a folder name and a
  // 32-bit column could not hold): the caller picks a free one instead.
  if (next > kMaxTeamId) {
    return invalid_argument("no team id is left after " + std::to_string(max_id) +
                            ": a team id is at most " + std::to_string(kMaxTeamId) +
                            "; give a free id with --id");
  }
  return next;
}

// Runs `query` with the team's settings and the named values bound.
void write_team(soci::session& sql, const std::string& query, TeamSettingsRow& settings,
                const std::vector<std::pair<std::string*, const char*>>& values, std::int64_t& id) {
  soci::statement st(sql);
  settings.bind(st);
  for (const auto& [value, name] : values) {
    st.exchange(soci::use(*value, name));
  }
  st.exchange(soci::use(id, "id"));
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  st.execute(true);
}

}  // namespace

Result<Team> SociTeamStore::add(std::optional<TeamId> id, const std::string& name,
                                const TeamChanges& settings, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    auto new_id = new_team_id(sql, id);
    if (!new_id) {
      return new_id.error();
    }
    TeamSettingsRow row = TeamSettingsRow::of_new_team(settings);
    std::string at = format_utc(now);
    std::string team_name = name;
    write_team(sql,
               "INSERT INTO sales_teams (id, name, is_active, run_time, timezone, cron, "
               "retry_max_attempts, retry_initial_delay_seconds, retry_max_delay_seconds, "
               "notify_email, notify_slack_webhook, pipelines, wait_for_inputs_seconds, upstreams, "
               "dst_skipped, dst_repeated, overlap, active_since, created_at, updated_at) VALUES "
               "(:id, :name, 1, :run_time, :timezone, :cron, :attempts, :initial, :max_delay, "
               ":email, :slack, :pipelines, :wait, :upstreams, :dst_skipped, :dst_repeated, "
               ":overlap, " +
                   db_.time_param("a1") + ", " + db_.time_param("a2") + ", " +
                   db_.time_param("a3") + ")",
               row, {{&team_name, "name"}, {&at, "a1"}, {&at, "a2"}, {&at, "a3"}}, *new_id);
    auto rows = select(sql, "id = :id", *new_id);
    tx.commit();
    return rows.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot add team");
  }
}

Result<Team> SociTeamStore::change_team(TeamId id, const std::string& failure,
                                        const std::function<void(soci::session&, Team&)>& change) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return not_found("team " + std::to_string(id.value) + " does not exist");
    }
    change(sql, rows.front());
    auto updated = select(sql, "id = :id", id.value);
    tx.commit();
    return updated.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(e, failure);
  }
}

Result<Team> SociTeamStore::update(TeamId id, const TeamChanges& changes, SysTime now) {
  return change_team(
      id, "cannot update team " + std::to_string(id.value), [&](soci::session& sql, Team& t) {
        const std::optional<std::string> old_cron = t.cron;
        TeamSettingsRow row = TeamSettingsRow::of_changed_team(t, changes);
        // A new cron schedule starts afresh: the fires the old schedule would not have had are not
        // caught up. (A moved daily run time keeps its run-date rule instead.)
        std::string since = format_utc(t.cron != old_cron ? now : t.active_since);
        std::string at = format_utc(now);
        std::int64_t team_id = id.value;
        write_team(
            sql,
            "UPDATE sales_teams SET name = :name, run_time = :run_time, timezone = :timezone, "
            "cron = :cron, retry_max_attempts = :attempts, retry_initial_delay_seconds = "
            ":initial, retry_max_delay_seconds = :max_delay, notify_email = :email, "
            "notify_slack_webhook = :slack, pipelines = :pipelines, wait_for_inputs_seconds = "
            ":wait, upstreams = :upstreams, dst_skipped = :dst_skipped, dst_repeated = "
            ":dst_repeated, overlap = :overlap, active_since = " +
                db_.time_param("since") + ", updated_at = " + db_.time_param("at") +
                " WHERE id = :id",
            row, {{&t.name, "name"}, {&since, "since"}, {&at, "at"}}, team_id);
      });
}

Result<Team> SociTeamStore::set_active(TeamId id, Activity activity, SysTime now) {
  return change_team(
      id, "cannot change team " + std::to_string(id.value), [&](soci::session& sql, Team& t) {
        const bool active = activity == Activity::kActive;
        int flag = active ? 1 : 0;
        std::string at = format_utc(now);
        std::int64_t team_id = id.value;
        if (active && !t.active) {
          // A reactivated team starts afresh: what it would have run while inactive is not missed.
          sql << "UPDATE sales_teams SET is_active = 1, active_since = " + db_.time_param("a1") +
                     ", updated_at = " + db_.time_param("a2") + " WHERE id = :id",
              soci::use(at, "a1"), soci::use(at, "a2"), soci::use(team_id, "id");
        } else if (t.active != active) {
          sql << "UPDATE sales_teams SET is_active = :flag, updated_at = " + db_.time_param("at") +
                     " WHERE id = :id",
              soci::use(flag, "flag"), soci::use(at, "at"), soci::use(team_id, "id");
        }
      });
}

Result<Team> SociTeamStore::set_paused(TeamId id, bool paused, SysTime now,
                                       const std::optional<std::string>& note) {
  return change_team(
      id, "cannot change team " + std::to_string(id.value), [&](soci::session& sql, Team& t) {
        std::string at = format_utc(now);
        std::int64_t team_id = id.value;
        if (!paused && t.paused) {
          // A resumed team starts afresh: what it would have run while paused is not replayed.
          sql << "UPDATE sales_teams SET paused = 0, pause_note = NULL, active_since = " +
                     db_.time_param("a1") + ", updated_at = " + db_.time_param("a2") +
                     " WHERE id = :id",
              soci::use(at, "a1"), soci::use(at, "a2"), soci::use(team_id, "id");
        } else if (paused && (!t.paused || note)) {
          NullableText kept(note);
          sql << "UPDATE sales_teams SET paused = 1, pause_note = :note, updated_at = " +
                     db_.time_param("at") + " WHERE id = :id",
              soci::use(kept.value, kept.ind, "note"), soci::use(at, "at"),
              soci::use(team_id, "id");
        }
      });
}

}  // namespace orch::store
