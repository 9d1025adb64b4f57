#include "orchestrator/store/soci_audit_store.h"

#include <algorithm>

#include "orchestrator/store/soci_stored_values.h"

namespace orch::store {

Result<std::int64_t> SociAuditStore::record(const AuditEntry& entry) {
  if (entry.actor.empty() || entry.action.empty()) {
    return invalid_argument("an audit entry needs an actor and an action");
  }
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(entry.at);
    NullableText target = NullableText::unless_empty(entry.target);
    NullableText before(entry.before);
    NullableText after(entry.after);
    std::int64_t id = 0;
    // RETURNING works on both: PostgreSQL, and SQLite from 3.35 (Debian 12 has 3.40).
    sql << "INSERT INTO audit_log (at, actor, action, target, before, after) VALUES (" +
               db_.time_param("at") + ", :actor, :action, :target, :before, :after) RETURNING id",
        soci::use(at, "at"), soci::use(entry.actor, "actor"), soci::use(entry.action, "action"),
        soci::use(target.value, target.ind, "target"),
        soci::use(before.value, before.ind, "before"), soci::use(after.value, after.ind, "after"),
        soci::into(id);
    return static_cast<std::int64_t>(id);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot write the audit log");
  }
}

namespace {

// A row of audit_log, bound for reading.
struct AuditRow {
  std::int64_t id = 0;
  std::string at;
  std::string actor;
  std::string action;
  NullableText target;
  NullableText before;
  NullableText after;

  void bind(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(at));
    st.exchange(soci::into(actor));
    st.exchange(soci::into(action));
    st.exchange(soci::into(target.value, target.ind));
    st.exchange(soci::into(before.value, before.ind));
    st.exchange(soci::into(after.value, after.ind));
  }

  // Throws BadStoredValue for a time that is not one.
  AuditEntry to_entry() const {
    AuditEntry entry;
    entry.id = id;
    entry.at = stored_time(
        at, [&] { return "audit entry " + std::to_string(id); }, "at");
    entry.actor = actor;
    entry.action = action;
    entry.target = target.get().value_or("");
    entry.before = before.get();
    entry.after = after.get();
    return entry;
  }
};

}  // namespace

Result<std::vector<AuditEntry>> SociAuditStore::page(const AuditQuery& query) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    AuditRow row;
    std::int64_t before_id = query.before_id.value_or(0);
    std::string wanted_target = query.target.value_or("");
    std::string wanted_actor = query.actor.value_or("");
    soci::statement st(sql);
    row.bind(st);
    std::string where;
    auto add = [&where](const std::string& condition) {
      where += (where.empty() ? " WHERE " : " AND ") + condition;
    };
    if (query.before_id) {
      add("id < :before_id");
      st.exchange(soci::use(before_id, "before_id"));
    }
    std::string wanted_prefix = wanted_target + "/";
    if (query.target) {
      // A team's target also finds its pipelines' ("team:7" finds "team:7/pipeline:month_end").
      add("(target = :target OR substr(target, 1, " + std::to_string(wanted_prefix.size()) +
          ") = :prefix)");
      st.exchange(soci::use(wanted_target, "target"));
      st.exchange(soci::use(wanted_prefix, "prefix"));
    }
    if (query.actor) {
      add("actor = :actor");
      st.exchange(soci::use(wanted_actor, "actor"));
    }
    st.alloc();
    // The id orders the entries as they were written (both databases hand out increasing ids);
    // `at` comes from each writer's clock, which may differ between hosts.
    st.prepare("SELECT id, " + db_.time_column("at") +
               ", actor, action, target, before, after FROM audit_log" + where +
               " ORDER BY id DESC LIMIT " + std::to_string(std::max(1, query.limit)));
    st.define_and_bind();
    st.execute();
    std::vector<AuditEntry> out;
    while (st.fetch()) {
      out.push_back(row.to_entry());
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the audit log");
  }
}

}  // namespace orch::store
