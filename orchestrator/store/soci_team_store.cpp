#include "orchestrator/store/soci_stores.h"

namespace orch::store {
namespace {

// "daily, month_end" -> {"daily", "month_end"}.
std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= list.size();) {
    auto comma = list.find(',', start);
    std::string name =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (!name.empty()) {
      out.push_back(std::move(name));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

struct TeamRow {
  long long id = 0;
  std::string name;
  int active = 1;
  int paused = 0;
  NullableText run_time, timezone, cron, notify_email, notify_slack_webhook, pipelines, upstreams,
      dst_skipped, dst_repeated, overlap, pause_note;
  NullableInt retry_max_attempts, retry_initial_delay, retry_max_delay, wait_for_inputs;
  std::string active_since, created_at, updated_at;

  Team to_team() const {
    auto time = [](const std::string& text) {
      auto t = parse_utc(text);
      return t ? *t : SysTime{};
    };
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
    t.active_since = time(active_since);
    t.created_at = time(created_at);
    t.updated_at = time(updated_at);
    return t;
  }
};

// An empty string clears an optional setting.
NullableText setting(const std::optional<std::string>& value) {
  return NullableText(value && !value->empty() ? value : std::nullopt);
}

// A number setting: its validated text, or nothing (unset or "").
NullableInt number_setting(const std::optional<std::string>& value) {
  return NullableInt(value && !value->empty() ? std::optional<long long>(std::stoll(*value))
                                              : std::nullopt);
}

std::optional<std::string> number_text(const std::optional<int>& value) {
  return value ? std::optional<std::string>(std::to_string(*value)) : std::nullopt;
}

// Reads team_pipelines into the teams (sorted by id) it belongs to: those of team `id` only
// when given.
void read_pipeline_settings(soci::session& sql, const SociConnection& db, const long long* id,
                            std::vector<Team>& teams) {
  long long team = 0;
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
  long long wanted = id != nullptr ? *id : 0;
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
                               [](const Team& t, long long key) { return t.id.value < key; });
    if (it == teams.end() || it->id.value != team) {
      continue;  // an inactive team's, when only the active ones are read
    }
    TeamPipeline p;
    p.pipeline = pipeline;
    p.run_time = run_time.get();
    p.cron = cron.get();
    p.paused = paused != 0;
    p.active_since = parse_time_text(since);
    p.pause_note = note.get();
    it->pipeline_settings.push_back(std::move(p));
  }
}

}  // namespace

std::vector<Team> SociTeamStore::select(soci::session& sql, const std::string& where,
                                        long long id) {
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
    out.push_back(row.to_team());
  }
  read_pipeline_settings(sql, db_, where.find(":id") != std::string::npos ? &id : nullptr, out);
  return out;
}

Result<std::vector<Team>> SociTeamStore::list(Which which) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    return select(sql, which == Which::kActive ? "is_active = 1" : "", 0);
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

Result<Team> SociTeamStore::add(std::optional<TeamId> id, const std::string& name,
                                const TeamChanges& settings, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    long long new_id = 0;
    if (id) {
      new_id = id->value;
      long long taken = 0;
      sql << "SELECT COUNT(*) FROM sales_teams WHERE id = :id", soci::use(new_id, "id"),
          soci::into(taken);
      if (taken > 0) {
        return Error{ErrorCode::kAlreadyExists,
                     "team " + std::to_string(new_id) + " exists already"};
      }
    } else {
      long long max_id = 0;
      soci::indicator ind = soci::i_null;
      sql << "SELECT MAX(id) FROM sales_teams", soci::into(max_id, ind);
      new_id = (ind == soci::i_ok ? max_id : 0) + 1;
      // Past the top, the next id would be one that every command refuses (and a folder name
      // and a 32-bit column could not hold): the caller picks a free one instead.
      if (new_id > kMaxTeamId) {
        return invalid_argument("no team id is left after " + std::to_string(max_id) +
                                ": a team id is at most " + std::to_string(kMaxTeamId) +
                                "; give a free id with --id");
      }
    }
    NullableText run_time = setting(settings.run_time);
    NullableText timezone = setting(settings.timezone);
    NullableText cron = setting(settings.cron);
    NullableInt attempts = number_setting(settings.retry_max_attempts);
    NullableInt initial = number_setting(settings.retry_initial_delay_seconds);
    NullableInt max_delay = number_setting(settings.retry_max_delay_seconds);
    NullableText email = setting(settings.notify_email);
    NullableText slack = setting(settings.notify_slack_webhook);
    NullableText pipelines = setting(settings.pipelines);
    NullableInt wait = number_setting(settings.wait_for_inputs_seconds);
    NullableText upstreams = setting(settings.upstreams);
    NullableText dst_skipped = setting(settings.dst_skipped);
    NullableText dst_repeated = setting(settings.dst_repeated);
    NullableText overlap = setting(settings.overlap);
    std::string at = format_utc(now);
    std::string team_name = name;
    sql << "INSERT INTO sales_teams (id, name, is_active, run_time, timezone, cron, "
           "retry_max_attempts, retry_initial_delay_seconds, retry_max_delay_seconds, "
           "notify_email, notify_slack_webhook, pipelines, wait_for_inputs_seconds, upstreams, "
           "dst_skipped, dst_repeated, overlap, active_since, created_at, updated_at) VALUES "
           "(:id, :name, 1, :run_time, :timezone, :cron, :attempts, :initial, :max_delay, "
           ":email, :slack, :pipelines, :wait, :upstreams, :dst_skipped, :dst_repeated, :overlap, " +
               db_.time_param("a1") + ", " + db_.time_param("a2") + ", " + db_.time_param("a3") +
               ")",
        soci::use(new_id, "id"), soci::use(team_name, "name"),
        soci::use(run_time.value, run_time.ind, "run_time"),
        soci::use(timezone.value, timezone.ind, "timezone"),
        soci::use(cron.value, cron.ind, "cron"),
        soci::use(attempts.value, attempts.ind, "attempts"),
        soci::use(initial.value, initial.ind, "initial"),
        soci::use(max_delay.value, max_delay.ind, "max_delay"),
        soci::use(email.value, email.ind, "email"), soci::use(slack.value, slack.ind, "slack"),
        soci::use(pipelines.value, pipelines.ind, "pipelines"),
        soci::use(wait.value, wait.ind, "wait"),
        soci::use(upstreams.value, upstreams.ind, "upstreams"),
        soci::use(dst_skipped.value, dst_skipped.ind, "dst_skipped"),
        soci::use(dst_repeated.value, dst_repeated.ind, "dst_repeated"),
        soci::use(overlap.value, overlap.ind, "overlap"), soci::use(at, "a1"),
        soci::use(at, "a2"), soci::use(at, "a3");
    auto rows = select(sql, "id = :id", new_id);
    tx.commit();
    return rows.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot add team");
  }
}

Result<Team> SociTeamStore::update(TeamId id, const TeamChanges& changes, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return not_found("team " + std::to_string(id.value) + " does not exist");
    }
    Team t = rows.front();
    auto apply = [](std::optional<std::string>& field, const std::optional<std::string>& change) {
      if (change) {
        field = change->empty() ? std::nullopt : change;
      }
    };
    if (changes.name) {
      t.name = *changes.name;
    }
    apply(t.run_time, changes.run_time);
    apply(t.timezone, changes.timezone);
    const std::optional<std::string> old_cron = t.cron;
    apply(t.cron, changes.cron);
    apply(t.notify_email, changes.notify_email);
    apply(t.notify_slack_webhook, changes.notify_slack_webhook);
    std::optional<std::string> pipelines_text;
    if (t.pipelines) {
      pipelines_text = join_names(*t.pipelines);
    }
    apply(pipelines_text, changes.pipelines);
    NullableText pipelines = setting(pipelines_text);
    std::optional<std::string> wait_text = number_text(t.wait_for_inputs_seconds);
    apply(wait_text, changes.wait_for_inputs_seconds);
    NullableInt wait = number_setting(wait_text);
    std::optional<std::string> upstreams_text;
    for (const Upstream& upstream : t.upstreams) {
      upstreams_text = upstreams_text.value_or("") + (upstreams_text ? "," : "") + to_string(upstream);
    }
    apply(upstreams_text, changes.upstreams);
    NullableText upstreams = setting(upstreams_text);
    apply(t.dst_skipped, changes.dst_skipped);
    apply(t.dst_repeated, changes.dst_repeated);
    apply(t.overlap, changes.overlap);
    NullableText dst_skipped(t.dst_skipped), dst_repeated(t.dst_repeated), overlap(t.overlap);
    std::optional<std::string> attempts_text = number_text(t.retry_max_attempts);
    std::optional<std::string> initial_text = number_text(t.retry_initial_delay_seconds);
    std::optional<std::string> max_delay_text = number_text(t.retry_max_delay_seconds);
    apply(attempts_text, changes.retry_max_attempts);
    apply(initial_text, changes.retry_initial_delay_seconds);
    apply(max_delay_text, changes.retry_max_delay_seconds);
    NullableInt attempts = number_setting(attempts_text);
    NullableInt initial = number_setting(initial_text);
    NullableInt max_delay = number_setting(max_delay_text);
    // A new cron schedule starts afresh: the fires the old schedule would not have had are not
    // caught up. (A moved daily run time keeps its run-date rule instead.)
    std::string since = format_utc(t.cron != old_cron ? now : t.active_since);
    NullableText run_time(t.run_time), timezone(t.timezone), cron(t.cron), email(t.notify_email),
        slack(t.notify_slack_webhook);
    std::string at = format_utc(now);
    long long team_id = id.value;
    sql << "UPDATE sales_teams SET name = :name, run_time = :run_time, timezone = :timezone, "
           "cron = :cron, retry_max_attempts = :attempts, retry_initial_delay_seconds = :initial, "
           "retry_max_delay_seconds = :max_delay, notify_email = :email, "
           "notify_slack_webhook = :slack, pipelines = :pipelines, wait_for_inputs_seconds = "
           ":wait, upstreams = :upstreams, dst_skipped = :dst_skipped, dst_repeated = "
           ":dst_repeated, overlap = :overlap, active_since = " +
               db_.time_param("since") + ", updated_at = " + db_.time_param("at") +
               " WHERE id = :id",
        soci::use(t.name, "name"), soci::use(run_time.value, run_time.ind, "run_time"),
        soci::use(timezone.value, timezone.ind, "timezone"),
        soci::use(cron.value, cron.ind, "cron"),
        soci::use(attempts.value, attempts.ind, "attempts"),
        soci::use(initial.value, initial.ind, "initial"),
        soci::use(max_delay.value, max_delay.ind, "max_delay"),
        soci::use(email.value, email.ind, "email"), soci::use(slack.value, slack.ind, "slack"),
        soci::use(pipelines.value, pipelines.ind, "pipelines"),
        soci::use(wait.value, wait.ind, "wait"),
        soci::use(upstreams.value, upstreams.ind, "upstreams"),
        soci::use(dst_skipped.value, dst_skipped.ind, "dst_skipped"),
        soci::use(dst_repeated.value, dst_repeated.ind, "dst_repeated"),
        soci::use(overlap.value, overlap.ind, "overlap"), soci::use(since, "since"),
        soci::use(at, "at"), soci::use(team_id, "id");
    auto updated = select(sql, "id = :id", id.value);
    tx.commit();
    return updated.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot update team " + std::to_string(id.value));
  }
}

Result<Team> SociTeamStore::set_active(TeamId id, bool active, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return not_found("team " + std::to_string(id.value) + " does not exist");
    }
    int flag = active ? 1 : 0;
    std::string at = format_utc(now);
    long long team_id = id.value;
    if (active && !rows.front().active) {
      // A reactivated team starts afresh: what it would have run while inactive is not missed.
      sql << "UPDATE sales_teams SET is_active = 1, active_since = " + db_.time_param("a1") +
                 ", updated_at = " + db_.time_param("a2") + " WHERE id = :id",
          soci::use(at, "a1"), soci::use(at, "a2"), soci::use(team_id, "id");
    } else if (rows.front().active != active) {
      sql << "UPDATE sales_teams SET is_active = :flag, updated_at = " + db_.time_param("at") +
                 " WHERE id = :id",
          soci::use(flag, "flag"), soci::use(at, "at"), soci::use(team_id, "id");
    }
    auto updated = select(sql, "id = :id", id.value);
    tx.commit();
    return updated.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot change team " + std::to_string(id.value));
  }
}

Result<Team> SociTeamStore::set_paused(TeamId id, bool paused, SysTime now,
                                       const std::optional<std::string>& note) {
  try {
    soci::session sql(db_.pool());
    WriteTransaction tx(db_, sql);
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return not_found("team " + std::to_string(id.value) + " does not exist");
    }
    std::string at = format_utc(now);
    long long team_id = id.value;
    if (!paused && rows.front().paused) {
      // A resumed team starts afresh: what it would have run while paused is not replayed.
      sql << "UPDATE sales_teams SET paused = 0, pause_note = NULL, active_since = " +
                 db_.time_param("a1") + ", updated_at = " + db_.time_param("a2") +
                 " WHERE id = :id",
          soci::use(at, "a1"), soci::use(at, "a2"), soci::use(team_id, "id");
    } else if (paused && (!rows.front().paused || note)) {
      NullableText kept(note);
      sql << "UPDATE sales_teams SET paused = 1, pause_note = :note, updated_at = " +
                 db_.time_param("at") + " WHERE id = :id",
          soci::use(kept.value, kept.ind, "note"), soci::use(at, "at"), soci::use(team_id, "id");
    }
    auto updated = select(sql, "id = :id", id.value);
    tx.commit();
    return updated.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot change team " + std::to_string(id.value));
  }
}

void SociTeamStore::write_pipeline_row(soci::session& sql, TeamId id, const TeamPipeline& settings,
                                       SysTime now) {
  long long team_id = id.value;
  std::string pipeline = settings.pipeline;
  NullableText run_time(settings.run_time), cron(settings.cron);
  NullableText since = time_text(settings.active_since);
  int paused = settings.paused ? 1 : 0;
  NullableText note(settings.pause_note);
  std::string at = format_utc(now);
  sql << "INSERT INTO team_pipelines (sales_team_id, pipeline, run_time, cron, paused, "
         "pause_note, active_since, updated_at) VALUES (:id, :pipeline, :run_time, :cron, "
         ":paused, :note, " +
             db_.time_param("since") + ", " + db_.time_param("at") +
             ") ON CONFLICT (sales_team_id, pipeline) DO UPDATE SET run_time = excluded.run_time, "
             "cron = excluded.cron, paused = excluded.paused, pause_note = excluded.pause_note, "
             "active_since = excluded.active_since, updated_at = excluded.updated_at",
      soci::use(team_id, "id"), soci::use(pipeline, "pipeline"),
      soci::use(run_time.value, run_time.ind, "run_time"), soci::use(cron.value, cron.ind, "cron"),
      soci::use(paused, "paused"), soci::use(note.value, note.ind, "note"),
      soci::use(since.value, since.ind, "since"), soci::use(at, "at");
}

namespace {

// The team's settings for `pipeline`, or fresh ones.
TeamPipeline settings_of(const Team& team, const std::string& pipeline) {
  for (const TeamPipeline& p : team.pipeline_settings) {
    if (p.pipeline == pipeline) {
      return p;
    }
  }
  TeamPipeline fresh;
  fresh.pipeline = pipeline;
  return fresh;
}

}  // namespace

Result<Team> SociTeamStore::update_pipeline(TeamId id, const std::string& pipeline,
                                            const PipelineScheduleChanges& changes, SysTime now) {
  if (pipeline == kDefaultPipeline) {
    TeamChanges daily;
    daily.run_time = changes.run_time;
    daily.cron = changes.cron;
    return update(id, daily, now);
  }
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return not_found("team " + std::to_string(id.value) + " does not exist");
    }
    TeamPipeline p = settings_of(rows.front(), pipeline);
    auto apply = [](std::optional<std::string>& field, const std::optional<std::string>& change) {
      if (change) {
        field = change->empty() ? std::nullopt : change;
      }
    };
    const std::optional<std::string> old_cron = p.cron;
    apply(p.run_time, changes.run_time);
    apply(p.cron, changes.cron);
    if (p.cron != old_cron) {
      p.active_since = now;  // a new cron schedule starts afresh, as for the team's own
    }
    write_pipeline_row(sql, id, p, now);
    auto updated = select(sql, "id = :id", id.value);
    tx.commit();
    return updated.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(
        e, "cannot update team " + std::to_string(id.value) + "'s pipeline " + pipeline);
  }
}

Result<Team> SociTeamStore::set_pipeline_paused(TeamId id, const std::string& pipeline, bool paused,
                                                SysTime now,
                                                const std::optional<std::string>& note) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    auto rows = select(sql, "id = :id", id.value);
    if (rows.empty()) {
      return not_found("team " + std::to_string(id.value) + " does not exist");
    }
    TeamPipeline p = settings_of(rows.front(), pipeline);
    if (p.paused != paused || (paused && note)) {
      if (!paused) {
        p.active_since = now;  // resumed: what it would have run while paused is not replayed
        p.pause_note.reset();
      } else if (note || !p.paused) {
        p.pause_note = note;
      }
      p.paused = paused;
      write_pipeline_row(sql, id, p, now);
    }
    auto updated = select(sql, "id = :id", id.value);
    tx.commit();
    return updated.at(0);
  } catch (const std::exception& e) {
    return db_.to_error(
        e, "cannot change team " + std::to_string(id.value) + "'s pipeline " + pipeline);
  }
}

}  // namespace orch::store
