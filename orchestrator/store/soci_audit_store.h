#pragma once

// Internal to orchestrator/store: the SOCI implementation of AuditStore.

#include "orchestrator/store/audit_store.h"
#include "orchestrator/store/soci_connection.h"

namespace orch::store {

class SociAuditStore final : public AuditStore {
 public:
  explicit SociAuditStore(SociConnection& connection) : db_(connection) {}

  Result<std::int64_t> record(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> page(const AuditQuery& query) override;

 private:
  SociConnection& db_;
};

}  // namespace orch::store
