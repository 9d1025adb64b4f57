#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "orchestrator/cli/commands.h"

namespace orch::cli {

// Rows to print as an aligned table, a JSON array of objects or CSV with a header.
struct Table {
  struct Column {
    std::string name;
    bool json_value = false;  // the cell holds JSON (a number, an object): printed as is
  };
  std::vector<Column> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: NULL
};

void print(const Table& table, Format format, std::ostream& out);

}  // namespace orch::cli
