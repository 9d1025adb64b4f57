// A team's own settings of one of its pipelines (team_pipelines): its schedule and its pause.
#include "orchestrator/store/soci_stores.h"

namespace orch::store {

void SociTeamStore::write_pipeline_row(soci::session& sql, TeamId id, const TeamPipeline& settings,
                                       SysTime now) {
  std::int64_t team_id = id.value;
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
  return change_team(
      id, "cannot update team " + std::to_string(id.value) + "'s pipeline " + pipeline,
      [&](soci::session& sql, Team& team) {
        TeamPipeline p = settings_of(team, pipeline);
        auto apply = [](std::optional<std::string>& field,
                        const std::optional<std::string>& change) {
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
      });
}

Result<Team> SociTeamStore::set_pipeline_paused(TeamId id, const std::string& pipeline, bool paused,
                                                SysTime now,
                                                const std::optional<std::string>& note) {
  return change_team(
      id, "cannot change team " + std::to_string(id.value) + "'s pipeline " + pipeline,
      [&](soci::session& sql, Team& team) {
        TeamPipeline p = settings_of(team, pipeline);
        if (p.paused == paused && !(paused && note)) {
          return;
        }
        if (!paused) {
          p.active_since = now;  // resumed: what it would have run while paused is not replayed
          p.pause_note.reset();
        } else if (note || !p.paused) {
          p.pause_note = note;
        }
        p.paused = paused;
        write_pipeline_row(sql, id, p, now);
      });
}

}  // namespace orch::store
