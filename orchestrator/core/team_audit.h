#pragma once

#include <optional>
#include <string>

#include "config/base/ids.h"
#include "config/base/result.h"
#include "config/base/run_records.h"
#include "config/base/time.h"
#include "orchestrator/store/audit_store.h"

namespace orch {

// The audit log's view of a change to a team: JSON objects of only the fields that differ, the
// Slack webhook redacted (its path is a secret). A team's own settings are named as `teams list`
// names them ("run_time", "paused", "pause_note", ...); a pipeline's own ones as
// "pipeline:NAME/run_time". Unset `before`: a new team (every set field is in `after`).
struct AuditDiff {
  std::optional<std::string> before;
  std::optional<std::string> after;
};
AuditDiff team_diff(const std::optional<Team>& before, const Team& after);

// `diff` with why a team was resumed: `"resume_note"` in `after`. A resume clears the pause note,
// so the audit log is where the note of a resume is kept and shown.
AuditDiff with_resume_note(AuditDiff diff, const std::string& note);

// "team:7", and "team:7/pipeline:month_end" for a pipeline of it (never for `daily` when
// `pipeline` is empty).
std::string team_target(TeamId id, const std::string& pipeline = "");

// An audit entry of `action` on `target` by `actor` at `at`.
AuditEntry audit_entry(std::string actor, std::string action, std::string target, SysTime at,
                       AuditDiff diff);

}  // namespace orch
