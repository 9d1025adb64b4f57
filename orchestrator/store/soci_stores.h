#pragma once

// Internal to orchestrator/store: the SOCI implementations of the store interfaces.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/store/notification_store.h"
#include "orchestrator/store/run_store.h"
#include "orchestrator/store/service_registry.h"
#include "orchestrator/store/soci_connection.h"
#include "orchestrator/store/team_store.h"

namespace orch::store {

class SociRunStore final : public RunStore {
 public:
  explicit SociRunStore(SociConnection& connection) : db_(connection) {}

  Result<Claim> claim(const ClaimRequest& request) override;
  Result<std::optional<RunRecord>> record_missed(const ClaimRequest& request,
                                                 const std::string& reason) override;
  Status finish(const RunFinish& finish) override;
  std::vector<Status> finish_all(const std::vector<const RunFinish*>& ends) override;
  Status heartbeat(const std::vector<RunId>& run_ids, SysTime now) override;
  Result<std::vector<RunRecord>> abandon_stale(SysTime stale_before, SysTime now) override;
  Result<WaitingStart> start_waiting(const RunId& run_id, const std::string& instance,
                                     SysTime now) override;
  Status end_waiting(const RunId& run_id, const std::string& instance, RunStatus status,
                     const std::string& error, SysTime now) override;
  Status note_waiting(const RunId& run_id, const std::string& instance,
                      const std::string& reason) override;
  Result<bool> adopt_waiting(const RunId& run_id, const std::string& from, const std::string& to,
                             SysTime now) override;
  Result<std::map<RunOwner, std::string>> last_slot_keys() override;
  Result<std::optional<RunRecord>> latest_of_date(const RunOwner& owner,
                                                  const std::string& run_date) override;
  Result<std::set<std::string>> completed_run_dates(const RunOwner& owner, const std::string& from,
                                                    const std::string& to) override;
  Result<std::vector<RunRecord>> unsettled_slot_attempts(SysTime since) override;
  Result<std::vector<RunRecord>> list(const RunFilter& filter) override;
  Result<std::optional<RunRecord>> find(const RunId& run_id) override;
  Result<std::vector<RunStatus>> recent_statuses(const RunOwner& owner, int limit) override;

  // The rows matching `where` (parameters :p0, :p1, ... bound from `params`), newest first.
  Result<std::vector<RunRecord>> select_where(const std::string& where,
                                              const std::vector<std::string>& params, int limit);

 private:
  Result<Claim> claim_once(const ClaimRequest& request);
  // The ends in one transaction; nullopt when it did not commit (nothing of it was recorded).
  std::optional<std::vector<Status>> finish_together(const std::vector<const RunFinish*>& ends);
  // The rows matching `where`, newest first; a row holding a value that is not one fails the read
  // or is passed over, as `bad_rows` says.
  std::vector<RunRecord> select(soci::session& sql, const std::string& where,
                                const std::vector<std::string>& params, int limit,
                                BadRows bad_rows = BadRows::kFail);

  SociConnection& db_;
};

class SociTeamStore final : public TeamStore {
 public:
  explicit SociTeamStore(SociConnection& connection) : db_(connection) {}

  using TeamStore::list;
  Result<std::vector<Team>> list(Which which, BadRows bad_rows) override;
  Result<std::optional<Team>> find(TeamId id) override;
  Result<Team> add(std::optional<TeamId> id, const std::string& name, const TeamChanges& settings,
                   SysTime now) override;
  Result<Team> update(TeamId id, const TeamChanges& changes, SysTime now) override;
  Result<Team> set_active(TeamId id, Activity activity, SysTime now) override;
  Result<Team> set_paused(TeamId id, bool paused, SysTime now,
                          const std::optional<std::string>& note) override;
  Result<Team> update_pipeline(TeamId id, const std::string& pipeline,
                               const PipelineScheduleChanges& changes, SysTime now) override;
  Result<Team> set_pipeline_paused(TeamId id, const std::string& pipeline, bool paused, SysTime now,
                                   const std::optional<std::string>& note) override;

 private:
  std::vector<Team> select(soci::session& sql, const std::string& where, std::int64_t id,
                           BadRows bad_rows = BadRows::kFail);
  // A write to one team: in a write transaction on a pooled connection, `change` gets the team's
  // row as read (kNotFound when there is none) and the team is returned as written. An error
  // says `failure` first.
  Result<Team> change_team(TeamId id, const std::string& failure,
                           const std::function<void(soci::session&, Team&)>& change);
  // The team's row of team_pipelines for `pipeline`, written as `settings` says.
  void write_pipeline_row(soci::session& sql, TeamId id, const TeamPipeline& settings, SysTime now);

  SociConnection& db_;
};

class SociServiceRegistry final : public ServiceRegistry {
 public:
  explicit SociServiceRegistry(SociConnection& connection) : db_(connection) {}

  Status register_instance(const ServiceInstance& instance) override;
  Status heartbeat(const std::string& instance, SysTime now) override;
  Status acknowledge(const std::string& instance, std::int64_t generation) override;
  Status deregister(const std::string& instance) override;
  Result<std::vector<ServiceInstance>> live(SysTime alive_since) override;
  Result<std::size_t> forget_silent(SysTime silent_since) override;
  Result<SysTime> installed_at() override;
  Result<std::map<std::string, SysTime>> pipelines_first_scheduled(
      const std::vector<std::string>& names, SysTime now) override;
  Result<std::int64_t> generation() override;
  Result<std::int64_t> bump_generation() override;

 private:
  SociConnection& db_;
};

class SociNotificationStore final : public NotificationStore {
 public:
  explicit SociNotificationStore(SociConnection& connection) : db_(connection) {}

  Result<std::int64_t> add(const notify::DeliveryRecord& record) override;
  Status update(const notify::DeliveryRecord& record) override;
  Result<std::vector<notify::DeliveryRecord>> list(const NotificationFilter& filter) override;

 private:
  SociConnection& db_;
};

// A random run id, "run_" and 16 hex digits: unique across services without coordination.
std::string new_run_id();

}  // namespace orch::store
