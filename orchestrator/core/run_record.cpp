#include "orchestrator/core/run_record.h"

#include <iterator>
#include <utility>
#include <vector>

#include "config/base/log.h"

namespace orch {

RunRecord with_end(const RunRecord& run, const RunFinish& end) {
  RunRecord ended = run;
  ended.status = end.status;
  ended.exit_code = end.exit_code;
  ended.error = end.error;
  ended.inputs = end.inputs;
  ended.metrics = end.metrics;
  ended.total_loans = end.total_loans;
  ended.exceptions_count = end.exceptions_count;
  ended.log_path = end.log_path;
  ended.completed_at = end.completed_at;
  if (run.started_at) {
    ended.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(end.completed_at - *run.started_at)
            .count();
  }
  return ended;
}

RecordedEnd RunEndRecorder::record(const RecordInput& input) {
  const RunRecord& run = input.run;
  const RunFinish& end = input.end;
  // The run happened: its end must be recorded, also when the database cannot take it right now
  // (down, locked, its disk full, its file read-only): it is kept and recorded later. Only an
  // end the database refuses for good (the run is no longer running: another service abandoned
  // it meanwhile) is given up, and logged.
  Status recorded = write(end);
  RecordedEnd out{with_end(run, end), EndFate::kRecorded};
  if (recorded) {
    return out;
  }
  if (recorded.error().code == ErrorCode::kFailedPrecondition) {
    out.fate = EndFate::kRefused;
    log::error("run_end_not_recorded", {{"run_id", run.run_id},
                                        {"status", to_string(end.status)},
                                        {"reason", recorded.error().message}});
    return out;
  }
  out.fate = EndFate::kKept;
  {
    std::lock_guard lock(mutex_);
    deferred_.push_back(end);
  }
  Status kept = pending_.keep(end);
  log::warn("run_end_deferred",
            {{"run_id", run.run_id},
             {"status", to_string(end.status)},
             {"reason", recorded.error().message},
             {"effect", "recorded when the database takes it"},
             {"kept_in", kept ? pending_.dir().string() : "memory only: " + kept.error().message}});
  return out;
}

Status RunEndRecorder::write(const RunFinish& end) {
  QueuedEnd mine{&end, {}};
  std::unique_lock lock(queue_mutex_);
  queue_.push_back(&mine);
  queue_turn_.wait(lock, [&] { return mine.done || !writing_; });
  if (mine.done) {
    return mine.status;
  }
  // No batch is being written and this end was not in the last one: write it, with every end
  // that waits by now.
  writing_ = true;
  std::vector<QueuedEnd*> batch;
  batch.swap(queue_);
  lock.unlock();
  std::vector<const RunFinish*> ends;
  ends.reserve(batch.size());
  for (const QueuedEnd* queued : batch) {
    ends.push_back(queued->end);
  }
  std::vector<Status> written = runs_.finish_all(ends);
  lock.lock();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->status = i < written.size()
                           ? std::move(written[i])
                           : Status(Error{ErrorCode::kInternal, "the store gave no answer"});
    batch[i]->done = true;
  }
  writing_ = false;
  lock.unlock();
  queue_turn_.notify_all();
  return mine.status;
}

std::size_t RunEndRecorder::ends_queued() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

std::size_t RunEndRecorder::record_deferred() {
  std::vector<RunFinish> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting.swap(deferred_);
  }
  std::vector<RunFinish> still;
  for (RunFinish& f : waiting) {
    if (!still.empty()) {  // the database went away again: keep the rest for the next try
      still.push_back(std::move(f));
      continue;
    }
    Status recorded = runs_.finish(f);
    if (recorded) {
      log::info("run_end_recorded", {{"run_id", f.run_id},
                                     {"status", to_string(f.status)},
                                     {"completed_at", format_utc(f.completed_at)}});
    } else if (recorded.error().code != ErrorCode::kFailedPrecondition) {
      still.push_back(std::move(f));  // not taken yet (outage, full disk, ...): try again later
      continue;
    } else {
      // E.g. another service abandoned the run meanwhile (it could not hear this one): its
      // decision stands, and the log keeps what really happened.
      log::error("run_end_not_recorded", {{"run_id", f.run_id},
                                          {"status", to_string(f.status)},
                                          {"reason", recorded.error().message}});
    }
    pending_.forget(f.run_id);
  }
  std::lock_guard lock(mutex_);
  deferred_.insert(deferred_.begin(), std::make_move_iterator(still.begin()),
                   std::make_move_iterator(still.end()));
  return deferred_.size();
}

std::size_t RunEndRecorder::adopt_pending(const std::set<RunId>& active) {
  auto kept = pending_.load();
  std::lock_guard lock(mutex_);
  for (RunFinish& end : kept) {
    bool known = active.count(end.run_id) > 0;
    for (const RunFinish& d : deferred_) {
      known = known || d.run_id == end.run_id;
    }
    if (!known) {
      deferred_.push_back(std::move(end));
    }
  }
  return deferred_.size();
}

std::vector<RunId> RunEndRecorder::deferred_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<RunId> ids;
  ids.reserve(deferred_.size());
  for (const RunFinish& f : deferred_) {
    ids.push_back(f.run_id);
  }
  return ids;
}

}  // namespace orch
