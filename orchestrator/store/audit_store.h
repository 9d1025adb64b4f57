#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch {

// One row of audit_log: who changed what, and the values before and after.
struct AuditEntry {
  std::int64_t id = 0;  // set by the database; ignored by record()
  SysTime at;
  std::string actor;   // "cli:alice" (the OS user), "api:ops" (the token's name)
  std::string action;  // "teams.update", "teams.pause", "run.trigger", "reschedule", ...
  std::string target;  // "team:7", "team:7/pipeline:month_end", "run:<id>", "general"; may be ""
  // JSON objects of the fields that changed (secrets redacted); unset when there is no side.
  std::optional<std::string> before;
  std::optional<std::string> after;
};

// A page of the audit log, newest first (by id, descending).
struct AuditQuery {
  int limit = 50;
  std::optional<std::int64_t> before_id;  // keyset cursor: only entries with a smaller id
  // This target, and those under it: "team:7" also finds "team:7/pipeline:month_end".
  std::optional<std::string> target;
  std::optional<std::string> actor;  // exactly this actor
};

// The audit log (audit_log): append and read, never edited. Thread-safe.
class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends `entry` (its id is ignored) and returns the new entry's id. kInvalidArgument when
  // actor or action is empty.
  virtual Result<std::int64_t> record(const AuditEntry& entry) = 0;

  // Up to `query.limit` (at least 1) entries matching every filter set, newest first.
  virtual Result<std::vector<AuditEntry>> page(const AuditQuery& query) = 0;
};

}  // namespace orch
