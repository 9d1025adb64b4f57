#pragma once

// Internal to orchestrator/store: the schema migrations, oldest first.

#include <string>
#include <vector>

#include "orchestrator/store/soci_connection.h"

namespace orch::store {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

std::vector<Migration> migrations(Dialect dialect);

}  // namespace orch::store
