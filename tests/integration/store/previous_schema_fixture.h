#pragma once

#include <string>
#include <vector>

#include "tests/support/test_database.h"

namespace orch::testing {

struct PreviousMigration {
  int version;
  std::vector<std::string> statements;
};

// The migrations as the previous schema source wrote them, oldest first.
std::vector<PreviousMigration> previous_migrations(Backend backend);

}  // namespace orch::testing
