#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/store/run_store.h"

namespace orch::testing {

// A RunStore that hands every call to a real one: a test derives from it and overrides only the
// calls it makes fail or slow down (leveldb's EnvWrapper idea).
class RunStoreWrapper : public RunStore {
 public:
  explicit RunStoreWrapper(RunStore& real) : real_(real) {}

  Result<Claim> claim(const ClaimRequest& r) override { return real_.claim(r); }
  Result<WaitingStart> start_waiting(const RunId& id, const std::string& instance,
                                     SysTime now) override {
    return real_.start_waiting(id, instance, now);
  }
  Status end_waiting(const RunId& id, const std::string& instance, RunStatus status,
                     const std::string& error, SysTime now) override {
    return real_.end_waiting(id, instance, status, error, now);
  }
  Status note_waiting(const RunId& id, const std::string& instance,
                      const std::string& reason) override {
    return real_.note_waiting(id, instance, reason);
  }
  Result<bool> adopt_waiting(const RunId& id, const std::string& from, const std::string& to,
                             SysTime now) override {
    return real_.adopt_waiting(id, from, to, now);
  }
  Result<std::optional<RunRecord>> record_missed(const ClaimRequest& r,
                                                 const std::string& reason) override {
    return real_.record_missed(r, reason);
  }
  Status finish(const RunFinish& f) override { return real_.finish(f); }
  std::vector<Status> finish_all(const std::vector<const RunFinish*>& ends) override {
    return real_.finish_all(ends);
  }
  Status heartbeat(const std::vector<RunId>& ids, SysTime now) override {
    return real_.heartbeat(ids, now);
  }
  Result<std::vector<RunRecord>> abandon_stale(SysTime before, SysTime now) override {
    return real_.abandon_stale(before, now);
  }
  Result<std::map<RunOwner, std::string>> last_slot_keys() override {
    return real_.last_slot_keys();
  }
  Result<std::set<std::string>> completed_run_dates(const RunOwner& owner, const std::string& from,
                                                    const std::string& to) override {
    return real_.completed_run_dates(owner, from, to);
  }
  Result<std::vector<RunRecord>> unsettled_slot_attempts(SysTime since) override {
    return real_.unsettled_slot_attempts(since);
  }
  Result<std::optional<RunRecord>> latest_of_date(const RunOwner& owner,
                                                  const std::string& day) override {
    return real_.latest_of_date(owner, day);
  }
  Result<std::vector<RunRecord>> list(const RunFilter& filter) override {
    return real_.list(filter);
  }
  Result<std::optional<RunRecord>> find(const RunId& id) override { return real_.find(id); }
  Result<std::vector<RunStatus>> recent_statuses(const RunOwner& owner, int limit) override {
    return real_.recent_statuses(owner, limit);
  }

 protected:
  RunStore& real() { return real_; }

 private:
  RunStore& real_;
};

}  // namespace orch::testing
