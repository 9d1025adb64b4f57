#include <chrono>
#include <cstdlib>
#include <string_view>

#include "orchestrator/store/soci_stored_values.h"
#include "orchestrator/store/soci_stores.h"

namespace orch::store {

Status SociServiceRegistry::register_instance(const ServiceInstance& s) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::string started = format_utc(s.started_at);
    std::string beat = format_utc(s.heartbeat_at);
    std::int64_t pid = s.pid;
    std::int64_t applied = s.applied_generation;
    sql << "DELETE FROM service_instances WHERE instance = :instance",
        soci::use(s.instance, "instance");
    soci::indicator version_null = s.version.empty() ? soci::i_null : soci::i_ok;
    sql << "INSERT INTO service_instances (instance, host, pid, started_at, heartbeat_at, "
           "applied_generation, version) VALUES (:instance, :host, :pid, " +
               db_.time_param("started") + ", " + db_.time_param("beat") + ", :applied, :version)",
        soci::use(s.instance, "instance"), soci::use(s.host, "host"), soci::use(pid, "pid"),
        soci::use(started, "started"), soci::use(beat, "beat"), soci::use(applied, "applied"),
        soci::use(s.version, version_null, "version");
    tx.commit();
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot register service " + s.instance);
  }
}

Status SociServiceRegistry::heartbeat(const std::string& instance, SysTime now) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at = format_utc(now);
    soci::statement beat =
        (sql.prepare << "UPDATE service_instances SET heartbeat_at = " + db_.time_param("at") +
                            " WHERE instance = :instance",
         soci::use(at, "at"), soci::use(instance, "instance"));
    beat.execute(true);
    if (beat.get_affected_rows() > 0) {
      return {};
    }
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot record the heartbeat of " + instance);
  }
  // Forgotten by `status` after a long silence (a service stopped with SIGSTOP for days, say):
  // back in the list, so that `status` shows it again.
  ServiceInstance again;
  again.instance = instance;
  auto colon = instance.rfind(':');
  again.host = instance.substr(0, colon);
  if (colon != std::string::npos) {
    again.pid = std::strtoll(instance.c_str() + colon + 1, nullptr, 10);
  }
  again.started_at = now;
  again.heartbeat_at = now;
  return register_instance(again);
}

Status SociServiceRegistry::acknowledge(const std::string& instance, std::int64_t generation) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t g = generation;
    sql << "UPDATE service_instances SET applied_generation = :g WHERE instance = :instance",
        soci::use(g, "g"), soci::use(instance, "instance");
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot acknowledge the schedule of " + instance);
  }
}

Status SociServiceRegistry::deregister(const std::string& instance) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    sql << "DELETE FROM service_instances WHERE instance = :instance",
        soci::use(instance, "instance");
    return {};
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot deregister " + instance);
  }
}

Result<std::vector<ServiceInstance>> SociServiceRegistry::live(SysTime alive_since) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    ServiceInstance row;
    std::int64_t pid = 0, applied = 0;
    std::string started, beat, version;
    soci::indicator version_ind = soci::i_null;
    std::string since = format_utc(alive_since);
    soci::statement st =
        (sql.prepare << "SELECT instance, host, pid, " + db_.time_column("started_at") + ", " +
                            db_.time_column("heartbeat_at") +
                            ", applied_generation, version FROM service_instances "
                            "WHERE heartbeat_at >= " +
                            db_.time_param("since") + " ORDER BY instance",
         soci::into(row.instance), soci::into(row.host), soci::into(pid), soci::into(started),
         soci::into(beat), soci::into(applied), soci::into(version, version_ind),
         soci::use(since, "since"));
    st.execute();
    std::vector<ServiceInstance> out;
    const auto row_name = [&row] { return "service " + row.instance; };
    while (st.fetch()) {
      row.version = version_ind == soci::i_ok ? version : "";
      row.pid = pid;
      row.applied_generation = applied;
      row.started_at = stored_time(started, row_name, "started_at");
      row.heartbeat_at = stored_time(beat, row_name, "heartbeat_at");
      out.push_back(row);
    }
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot list live services");
  }
}

Result<std::size_t> SociServiceRegistry::forget_silent(SysTime silent_since) {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string since = format_utc(silent_since);
    soci::statement forget = (sql.prepare << "DELETE FROM service_instances WHERE heartbeat_at < " +
                                                 db_.time_param("since"),
                              soci::use(since, "since"));
    forget.execute(true);
    return static_cast<std::size_t>(forget.get_affected_rows());
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot forget silent services");
  }
}

Result<SysTime> SociServiceRegistry::installed_at() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::string at;
    sql << "SELECT " + db_.time_column("applied_at") + " FROM schema_migrations WHERE version = 1",
        soci::into(at);
    return stored_time(
        at, [] { return std::string("schema_migrations version 1"); }, "applied_at");
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read when the schema was created");
  }
}

Result<std::map<std::string, SysTime>> SociServiceRegistry::pipelines_first_scheduled(
    const std::vector<std::string>& names, SysTime now) {
  // Kept in orchestrator_state as milliseconds since the epoch, one row per pipeline.
  constexpr std::string_view kPrefix = "pipeline_first_scheduled:";
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    std::map<std::string, SysTime> out;
    std::int64_t at =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    for (const std::string& pipeline : names) {
      std::string name = std::string(kPrefix) + pipeline;
      sql << "INSERT INTO orchestrator_state (name, value) VALUES (:name, :at) "
             "ON CONFLICT (name) DO NOTHING",
          soci::use(name, "name"), soci::use(at, "at");
      std::int64_t first = 0;
      sql << "SELECT value FROM orchestrator_state WHERE name = :name", soci::use(name, "name"),
          soci::into(first);
      out.emplace(pipeline, SysTime(std::chrono::milliseconds(first)));
    }
    tx.commit();
    return out;
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read when the pipelines were first scheduled");
  }
}

Result<std::int64_t> SociServiceRegistry::generation() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    std::int64_t value = 0;
    sql << "SELECT value FROM orchestrator_state WHERE name = 'schedule_generation'",
        soci::into(value);
    return static_cast<std::int64_t>(value);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot read the schedule generation");
  }
}

Result<std::int64_t> SociServiceRegistry::bump_generation() {
  try {
    PooledSession lease(db_);
    soci::session& sql = *lease;
    WriteTransaction tx(db_, sql);
    sql << "UPDATE orchestrator_state SET value = value + 1 WHERE name = 'schedule_generation'";
    std::int64_t value = 0;
    sql << "SELECT value FROM orchestrator_state WHERE name = 'schedule_generation'",
        soci::into(value);
    tx.commit();
    db_.ring_control_bell(sql);
    return static_cast<std::int64_t>(value);
  } catch (const std::exception& e) {
    return db_.to_error(e, "cannot bump the schedule generation");
  }
}

}  // namespace orch::store
