#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "orchestrator/cli/commands.h"

namespace orch::cli {

// Rows to print as a table aligned by display width (wide characters take two columns), a JSON
// array of objects or CSV with a header.
struct Table {
  struct Column {
    std::string name;
    bool json_value = false;  // the cell holds JSON (a number, an object): printed as is
  };
  std::vector<Column> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: NULL
  // What the table form prints instead of a lone header when there is no row ("no runs match");
  // JSON prints [] and CSV the header.
  std::string when_empty = "nothing to show";
};

void print(const Table& table, Format format, std::ostream& out);

// A JSON array, for a cell of a `json_value` column: every list a command prints in JSON is an
// array, never a comma-joined text.
std::string json_array(const std::vector<std::string>& texts);
std::string json_array(const std::vector<std::int64_t>& numbers);
// Splits "a@x.org,b@y.org" at its commas, dropping blanks around each item and empty items.
std::vector<std::string> split_list(const std::string& text);

// A JSON object: `fields` (a text or a number each), then `rows_name`: the table's rows as print()
// prints them in JSON.
using JsonField = std::pair<std::string, std::variant<std::string, std::int64_t>>;
void print_json_object(const std::vector<JsonField>& fields, const std::string& rows_name,
                       const Table& table, std::ostream& out);

}  // namespace orch::cli
