#pragma once

#include <memory>
#include <string>

#include "config/base/result.h"
#include "orchestrator/store/audit_store.h"
#include "orchestrator/store/control_listener.h"
#include "orchestrator/store/history_retention.h"
#include "orchestrator/store/notification_store.h"
#include "orchestrator/store/run_control.h"
#include "orchestrator/store/run_queries.h"
#include "orchestrator/store/run_store.h"
#include "orchestrator/store/service_registry.h"
#include "orchestrator/store/team_store.h"

namespace orch {

// The SQL database behind every store: SQLite (`sqlite:PATH`, the embedded default) or
// PostgreSQL (`postgresql://...`). Owns a pool of connections, so the stores it hands out may be
// used from several threads at once.
class Database {
 public:
  // Whether opening a SQLite database may create its file (and the folders on its way). Only
  // the commands that are meant to bring a database into being do: an operator in the wrong
  // folder must not be shown an empty history. (A PostgreSQL database is the server's to create.)
  enum class OpenMode {
    kCreateIfMissing,
    kExisting,  // a missing file is kUnavailable: "database not found: PATH (create it with ...)"
  };

  // Connects and upgrades the schema when needed. `connections` sizes the PostgreSQL pool; SQLite
  // always gets one connection, shared in turn (it admits one writer at a time). Fails with
  // kUnavailable (the database cannot be reached or opened, or, with kExisting, a SQLite file is
  // missing) or kInvalidArgument (a bad URL).
  static Result<std::unique_ptr<Database>> open(const std::string& url, int connections,
                                                OpenMode mode);

  virtual ~Database() = default;

  // The schema version this build migrates to.
  static int latest_schema_version();

  // Creates or upgrades the schema; safe to run from several processes at once. Returns the
  // schema version now in place.
  virtual Result<int> migrate() = 0;

  virtual RunStore& runs() = 0;
  virtual TeamStore& teams() = 0;
  virtual ServiceRegistry& registry() = 0;
  virtual NotificationStore& notifications() = 0;
  virtual HistoryRetention& retention() = 0;
  virtual RunQueries& queries() = 0;  // read-only, for the HTTP API and /metrics
  virtual AuditStore& audit() = 0;    // who changed what (the CLI's and the API's changes)
  virtual RunControl& control() = 0;  // run now and cancel, through the live services

  // Whether the database is still where it was opened. SQLite: that its path still names the file
  // the connection opened; a file removed, or replaced by another (a copy included), fails with
  // kFailedPrecondition saying which and naming the path, since every later write would go to a
  // file no one will read. PostgreSQL: always OK. One stat(2); thread-safe.
  virtual Status verify_location() const = 0;

  // A listener for the control bell, rung whenever a reschedule, a run request or a cancel is
  // recorded in this database by anyone (control_listener.h). For PostgreSQL it opens a
  // connection of its own when first waited on.
  virtual std::unique_ptr<ControlListener> listen_for_control() const = 0;

  // The URL with its password redacted.
  virtual std::string describe() const = 0;

  // Where the services sharing this database can be: on this host only (a SQLite file), or on
  // any host (PostgreSQL), where a replica cannot see whether another one's process lives.
  enum class Reach { kThisHost, kAnyHost };
  virtual Reach reach() const = 0;

  // Frees what the idle connections keep of what they read (SQLite's page cache: a whole table
  // after every team was loaded); they read the database file again when next used. Connections
  // in use are left alone. Thread-safe.
  virtual void release_memory() = 0;
};

}  // namespace orch
