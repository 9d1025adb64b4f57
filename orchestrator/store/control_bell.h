#pragma once

#include <memory>
#include <string>

#include "orchestrator/store/control_listener.h"

namespace soci {
class session;
}

namespace orch::store {

// The two ends of the control bell (see control_listener.h) for each kind of database. Internal
// to the store: its stores ring after they commit a change to the control state, and Database
// hands out listeners.

// PostgreSQL: NOTIFY on `sql` (delivered to the listeners when the statement's transaction, or
// the statement itself outside one, commits).
void ring_postgres_bell(soci::session& sql);
// SQLite: touches the database file's times (IN_ATTRIB for its watchers; SQLite itself ignores
// them). Needs write access to the file, which whoever just wrote the database has.
void ring_sqlite_bell(const std::string& file);

// `connect` is SOCI's connect string for PostgreSQL; the listener opens its own connection.
std::unique_ptr<ControlListener> listen_to_postgres(std::string connect);
// `file` is the SQLite database file.
std::unique_ptr<ControlListener> listen_to_sqlite(const std::string& file);

}  // namespace orch::store
