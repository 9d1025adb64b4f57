#include "orchestrator/cli/output.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "config/base/display_width.h"
#include "config/base/terminal_text.h"

namespace orch::cli {
namespace {

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) {
    return value;
  }
  std::string quoted = "\"";
  for (char c : value) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + "\"";
}

nlohmann::ordered_json json_rows(const Table& table) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      const auto& cell = row[i];
      const auto& column = table.columns[i];
      if (!cell) {
        object[column.name] = nullptr;
      } else if (column.json_value) {
        object[column.name] = nlohmann::ordered_json::parse(*cell, nullptr, false);
        if (object[column.name].is_discarded()) {
          object[column.name] = *cell;
        }
      } else {
        object[column.name] = *cell;
      }
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

void print_json(const Table& table, std::ostream& out) {
  // Bytes that are not UTF-8 (a row written by an older version, or by SQL directly) become
  // U+FFFD instead of an exception that would end the command.
  out << json_rows(table).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
      << "\n";
}

void print_table(const Table& table, std::ostream& out) {
  if (table.rows.empty()) {
    out << table.when_empty << "\n";
    return;
  }
  // Columns, not bytes: "Nörd" is 5 bytes and 4 columns, "北京" 6 bytes and 4 columns.
  std::vector<std::size_t> widths;
  for (const auto& column : table.columns) {
    widths.push_back(display_width(column.name));
  }
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i] ? display_width(escape_controls(*row[i])) : 1);
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      text += cells[i];
      if (i + 1 < cells.size()) {
        text.append(widths[i] - display_width(cells[i]) + 2, ' ');
      }
    }
    out << text << "\n";
  };
  std::vector<std::string> header;
  for (const auto& column : table.columns) {
    header.push_back(escape_controls(column.name));
  }
  line(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const auto& cell : row) {
      // Escaped before the widths are taken: what the terminal shows is what is measured.
      cells.push_back(cell ? escape_controls(*cell) : "-");
    }
    line(cells);
  }
}

}  // namespace

void print_json_object(const std::vector<JsonField>& fields, const std::string& rows_name,
                       const Table& table, std::ostream& out) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [name, value] : fields) {
    std::visit([&object, &name = name](const auto& v) { object[name] = v; }, value);
  }
  object[rows_name] = json_rows(table);
  out << object.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

std::string json_array(const std::vector<std::string>& texts) {
  return nlohmann::ordered_json(texts).dump(-1, ' ', false,
                                            nlohmann::ordered_json::error_handler_t::replace);
}

std::string json_array(const std::vector<std::int64_t>& numbers) {
  return nlohmann::ordered_json(numbers).dump();
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      items.push_back(std::move(item));
    }
    start = end + 1;
  }
  return items;
}

void print(const Table& table, Format format, std::ostream& out) {
  switch (format) {
    case Format::kJson:
      print_json(table, out);
      return;
    case Format::kCsv: {
      std::string header;
      for (const auto& column : table.columns) {
        header += (header.empty() ? "" : ",") + csv_field(column.name);
      }
      out << header << "\n";
      for (const auto& row : table.rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
          line += (i == 0 ? "" : ",") + csv_field(row[i].value_or(""));
        }
        out << line << "\n";
      }
      return;
    }
    case Format::kTable:
      print_table(table, out);
      return;
  }
}

}  // namespace orch::cli
