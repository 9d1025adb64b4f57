#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/base/run_records.h"
#include "orchestrator/core/pending_ends.h"
#include "orchestrator/store/run_store.h"

namespace orch {

// How the record stage left a run's end.
enum class EndFate {
  kRecorded,  // the row holds it
  kKept,      // the database could not take it now: kept (PendingEnds) and recorded later
  kRefused,   // the database refused it for good (the run no longer runs): logged, given up
};

// The record stage's input: a run and how it ended.
struct RecordInput {
  const RunRecord& run;  // its row as claimed
  const RunFinish& end;
};

// The record stage's output: the run's final row, as the end made it, and what became of it.
struct RecordedEnd {
  RunRecord run;
  EndFate fate = EndFate::kRecorded;
};

// The run's row with its end applied: status, exit, error, inputs, metrics, log and times.
RunRecord with_end(const RunRecord& run, const RunFinish& end);

// Where the end of a run is written to its row: at once, or, while the database cannot take it,
// kept in memory and on disk (PendingEnds) until record_deferred() can. Thread-safe.
//
// The ends of runs that end at the same moment share one commit (group commit): the first worker
// to arrive writes every end waiting in one transaction (RunStore::finish_all) while the others
// wait; those that arrived meanwhile are written by the next of them, at once. A worker returns
// once its own end is committed (or kept), so nothing announces an end the database does not
// hold, and a process killed before the commit leaves the run `running`, as before.
class RunEndRecorder {
 public:
  RunEndRecorder(RunStore& runs, std::filesystem::path pending_dir)
      : runs_(runs), pending_(std::move(pending_dir)) {}

  // The record stage: writes the end of the run to its row.
  RecordedEnd record(const RecordInput& input);

  // Records the ends kept; returns how many still wait.
  std::size_t record_deferred();
  // Takes up the ends kept on disk by an earlier process, but those of `active` runs and those
  // already waiting. Returns how many ends wait.
  std::size_t adopt_pending(const std::set<RunId>& active);
  // The runs whose end waits to be recorded.
  std::vector<RunId> deferred_ids() const;

  const PendingEnds& pending() const { return pending_; }

  // The ends waiting for the batch being written to commit before theirs is written.
  std::size_t ends_queued() const;

 private:
  // An end waiting to be written, and, once `done`, what the database said.
  struct QueuedEnd {
    const RunFinish* end;
    Status status;
    bool done = false;
  };
  // Writes the end with the others waiting, in one transaction; returns what became of it.
  Status write(const RunFinish& end);

  RunStore& runs_;
  PendingEnds pending_;
  mutable std::mutex mutex_;
  std::vector<RunFinish> deferred_;  // finished, end not recorded yet

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_turn_;  // a batch committed: its ends are done, another may start
  std::vector<QueuedEnd*> queue_;       // waiting to be written, by the next batch
  bool writing_ = false;                // a batch is being written
};

}  // namespace orch
