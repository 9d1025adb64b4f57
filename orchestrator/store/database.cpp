#include "orchestrator/store/database.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <soci/sqlite3/soci-sqlite3.h>

#include "config/base/clock.h"
#include "config/config.h"
#include "orchestrator/store/control_bell.h"
#include "orchestrator/store/database_file.h"
#include "orchestrator/store/schema.h"
#include "orchestrator/store/soci_audit_store.h"
#include "orchestrator/store/soci_retention.h"
#include "orchestrator/store/soci_run_control.h"
#include "orchestrator/store/soci_run_queries.h"
#include "orchestrator/store/soci_stores.h"

namespace orch {
namespace {

using store::Dialect;
using store::SociConnection;

struct Target {
  Dialect dialect;
  std::string connect;  // SOCI's connect string
};

Result<Target> parse_url(const std::string& url) {
  for (const char* prefix : {"sqlite://", "sqlite:"}) {
    std::string p(prefix);
    if (url.rfind(p, 0) == 0) {
      std::string path = url.substr(p.size());
      if (path.empty()) {
        break;
      }
      return Target{Dialect::kSqlite, path};
    }
  }
  for (const char* prefix : {"postgresql://", "postgres://"}) {
    if (url.rfind(prefix, 0) == 0) {
      // libpq takes URLs as they are. We add what a service needs unless the URL says
      // otherwise: server NOTICEs kept off stderr; a bounded connect; TCP keepalives, so that a
      // lost host shows up as an error in about half a minute instead of a hang.
      std::string connect = url;
      auto add = [&connect, &url](const std::string& key, const std::string& value) {
        if (url.find(key + "=") != std::string::npos) {
          return;
        }
        connect += (connect.find('?') == std::string::npos ? "?" : "&");
        connect.append(key).append("=").append(value);
      };
      add("options", "-c%20client_min_messages%3Dwarning");
      add("connect_timeout", "5");
      add("keepalives_idle", "10");
      add("keepalives_interval", "5");
      add("keepalives_count", "3");
      return Target{Dialect::kPostgres, connect};
    }
  }
  return invalid_argument("database url '" + config::redact_url(url) +
                          "' is not allowed: use sqlite:PATH or "
                          "postgresql://user:password@host:port/database");
}

// SQLite's default busy handler (busy_timeout) sleeps 1, 2, 5, 10, ... 100 ms between tries. A
// worker that meets another worker's commit, which holds the write lock for a fraction of a
// millisecond, then sleeps for milliseconds: in a storm of short runs that left the cores idle.
// This one tries again after 100 µs for the first 0.1 s, then every 10 ms, up to the same 30 s.
int retry_soon_while_busy(void* /*unused*/, int tries) {
  constexpr int kQuickTries = 1000;
  constexpr int kSlowTries = 3000;
  if (tries >= kQuickTries + kSlowTries) {
    return 0;
  }
  std::this_thread::sleep_for(tries < kQuickTries ? std::chrono::microseconds(100)
                                                  : std::chrono::microseconds(10000));
  return 1;
}

// How often a connection tries to switch a new SQLite file to WAL while another does (20 ms apart).
constexpr int kJournalSwitchTries = 250;

// What every connection runs once opened, and again when it is reopened after an outage.
void configure_session(soci::session& sql, Dialect dialect) {
  if (dialect == Dialect::kSqlite) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    sqlite_api::sqlite3_busy_handler(backend->conn_, retry_soon_while_busy, nullptr);
    // WAL lets readers (runs, sqlite3 queries) go on while a service writes; NORMAL sync is
    // durable across process crashes, which is what a WAL database needs here.
    for (int attempt = 1;; ++attempt) {
      try {
        sql << "PRAGMA journal_mode=WAL";
        break;
      } catch (const soci::soci_error& e) {
        // Services opening a new file at once each switch it to WAL; SQLite answers one of them
        // "locked" at once, busy handler or not, rather than risk a deadlock. The other finishes
        // the switch in a moment.
        if (attempt == kJournalSwitchTries ||
            std::string_view(e.what()).find("locked") == std::string_view::npos) {
          throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA foreign_keys=ON";
  } else {
    sql << "SET TIME ZONE 'UTC'";
  }
}

void open_session(soci::session& sql, const Target& target) {
  if (target.dialect == Dialect::kSqlite) {
    sql.open(soci::sqlite3, "db=" + target.connect + " timeout=30");
  } else {
    // By name: SOCI loads its PostgreSQL backend, and with it libpq and its TLS and Kerberos
    // libraries, only when a PostgreSQL URL is used; linked in, they cost every SQLite service
    // 2-3 MB of resident memory.
    sql.open("postgresql", target.connect);
  }
  configure_session(sql, target.dialect);
}

class SociDatabase final : public Database {
 public:
  SociDatabase(std::size_t size, Dialect dialect, std::string url, std::string connect)
      : connect_(std::move(connect)),
        connection_(size, dialect, std::move(url)),
        runs_(connection_),
        teams_(connection_),
        registry_(connection_),
        notifications_(connection_),
        retention_(connection_),
        queries_(connection_, runs_),
        audit_(connection_),
        control_(connection_) {}

  SociConnection& connection() { return connection_; }

  // The SQLite file the connection opened, as its path named it then.
  void set_file(std::string path, store::FileIdentity identity) {
    connection_.set_database_file(path);
    file_ = std::move(path);
    opened_ = identity;
  }

  std::unique_ptr<ControlListener> listen_for_control() const override {
    return connection_.dialect() == Dialect::kSqlite ? store::listen_to_sqlite(file_)
                                                     : store::listen_to_postgres(connect_);
  }

  Status verify_location() const override {
    if (!opened_) {
      return {};
    }
    return store::check_same_file(file_, *opened_);
  }

  Result<int> migrate() override {
    try {
      store::PooledSession lease(connection_);
      soci::session& sql = *lease;
      store::WriteTransaction tx(connection_, sql);
      if (connection_.dialect() == Dialect::kSqlite) {
        sql << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "applied_at TEXT NOT NULL)";
      } else {
        // Replicas starting together: one migrates, the others wait here and then see it done.
        // The lock comes first: even CREATE TABLE IF NOT EXISTS races in PostgreSQL's catalog.
        sql << "SELECT pg_advisory_xact_lock(724201)";
        sql << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
               "applied_at TIMESTAMPTZ NOT NULL)";
      }
      // Every version not applied yet, not only those above the highest applied: the numbers
      // may have gaps, and a database must end with every migration this build knows.
      std::set<int> applied;
      int version = 0;
      soci::statement versions =
          (sql.prepare << "SELECT version FROM schema_migrations", soci::into(version));
      versions.execute();
      while (versions.fetch()) {
        applied.insert(version);
      }
      int current = applied.empty() ? 0 : *applied.rbegin();
      for (const auto& m : store::migrations(connection_.dialect())) {
        if (applied.count(m.version) > 0) {
          continue;
        }
        for (const auto& statement : m.statements) {
          sql << statement;
        }
        std::string now = format_utc(SystemClock().now());
        sql << "INSERT INTO schema_migrations (version, applied_at) VALUES (:v, " +
                   connection_.time_param("t") + ")",
            soci::use(m.version, "v"), soci::use(now, "t");
        current = std::max(current, m.version);
      }
      tx.commit();
      return current;
    } catch (const std::exception& e) {
      return connection_.to_error(e, "cannot migrate the schema");
    }
  }

  RunStore& runs() override { return runs_; }
  TeamStore& teams() override { return teams_; }
  ServiceRegistry& registry() override { return registry_; }
  NotificationStore& notifications() override { return notifications_; }
  HistoryRetention& retention() override { return retention_; }
  RunQueries& queries() override { return queries_; }
  AuditStore& audit() override { return audit_; }
  RunControl& control() override { return control_; }
  std::string describe() const override { return connection_.redacted_url(); }
  Reach reach() const override {
    return connection_.dialect() == Dialect::kSqlite ? Reach::kThisHost : Reach::kAnyHost;
  }

  void release_memory() override {
    if (connection_.dialect() != Dialect::kSqlite) {
      return;  // libpq keeps no cache of the tables; the server does
    }
    // Every connection that is free now, each leased so that no one uses it meanwhile.
    std::vector<std::size_t> leased;
    for (std::size_t position = 0; connection_.pool().try_lease(position, 0);) {
      leased.push_back(position);
    }
    for (std::size_t position : leased) {
      auto* backend = static_cast<soci::sqlite3_session_backend*>(
          connection_.pool().at(position).get_backend());
      if (backend != nullptr && backend->conn_ != nullptr) {
        sqlite_api::sqlite3_db_release_memory(backend->conn_);
      }
      connection_.pool().give_back(position);
    }
  }

 private:
  std::string connect_;  // SOCI's connect string, for the control listener's own connection
  SociConnection connection_;
  store::SociRunStore runs_;
  store::SociTeamStore teams_;
  store::SociServiceRegistry registry_;
  store::SociNotificationStore notifications_;
  store::SociRetention retention_;
  store::SociRunQueries queries_;
  store::SociAuditStore audit_;
  store::SociRunControl control_;
  std::string file_;
  std::optional<store::FileIdentity> opened_;
};

}  // namespace

int Database::latest_schema_version() {
  return store::migrations(Dialect::kSqlite).back().version;
}

Result<std::unique_ptr<Database>> Database::open(const std::string& url, int connections,
                                                 OpenMode mode) {
  auto target = parse_url(url);
  if (!target) {
    return target.error();
  }
  // SQLite lets one writer in at a time whatever the number of connections. With one
  // connection per worker, each met the others' write locks (and slept to retry) and found its
  // page cache stale after each of their commits (and read the pages again). One connection
  // shared in turn keeps one warm cache, and waiting for it is a queue instead of a busy loop.
  std::size_t size =
      target->dialect == Dialect::kSqlite ? 1 : static_cast<std::size_t>(std::max(1, connections));
  auto db = std::make_unique<SociDatabase>(size, target->dialect, url, target->connect);
  std::optional<store::FileIdentity> found;
  if (target->dialect == Dialect::kSqlite) {
    auto before = store::identify_file(target->connect);
    if (!before) {
      return before.error();
    }
    if (!before->has_value() && mode == OpenMode::kExisting) {
      return store::database_not_found(target->connect);
    }
    found = *before;
  }
  try {
    if (target->dialect == Dialect::kSqlite && !found) {
      auto parent = std::filesystem::path(target->connect).parent_path();
      if (!parent.empty()) {
        std::filesystem::create_directories(parent);
      }
    }
    for (std::size_t i = 0; i < size; ++i) {
      open_session(db->connection().pool().at(i), *target);
    }
    db->connection().set_session_setup(
        [dialect = target->dialect](soci::session& sql) { configure_session(sql, dialect); });
  } catch (const std::exception& e) {
    // Not an outage to log: the caller has no database yet and says so itself.
    Error error = db->connection().to_error(e, "cannot open the database", false);
    error.code = ErrorCode::kUnavailable;
    return error;
  }
  if (target->dialect == Dialect::kSqlite) {
    // The file SQLite opened is the one the path names now (SQLite opened it by that path a
    // moment ago); verify_location() compares with it later. A file that came or went between
    // the look above and the open is not trusted: with kExisting, SQLite may have created it.
    auto opened = store::identify_file(target->connect);
    if (!opened) {
      return opened.error();
    }
    if (!opened->has_value() || (found && **opened != *found)) {
      return unavailable("the database file " + target->connect +
                         " changed while it was being opened: try again");
    }
    db->set_file(target->connect, **opened);
  }
  auto version = db->migrate();
  if (!version) {
    return version.error();
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace orch
