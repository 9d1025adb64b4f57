#include "config/config_toml_values.h"

#include <map>
#include <sstream>
#include <vector>

namespace orch::config::internal {
namespace {

std::string expected_type(const Setting& s) {
  switch (s.kind) {
    case Kind::kBool:
      return "a boolean (true or false)";
    case Kind::kInteger:
      return range_text(s);
    case Kind::kString:
      return "a string";
    case Kind::kStringList:
      return "an array of strings";
    case Kind::kStringTable:
      return "a table of strings";
    case Kind::kTableList:
      return "an array of tables of strings";
  }
  return "?";
}

// An array of strings, or why not (`s` says what was expected).
Result<Value> string_list_from(const Setting& s, const toml::array& array) {
  std::vector<std::string> items;
  for (const auto& item : array) {
    if (!item.is_string()) {
      return invalid_argument("expected " + expected_type(s) + ", not an array holding " +
                              type_name(item));
    }
    items.push_back(item.as_string()->get());
  }
  return Value{std::move(items)};
}

// A table of strings, or why not.
Result<std::map<std::string, std::string>> string_table_from(const Setting& s,
                                                             const toml::table& table) {
  std::map<std::string, std::string> entries;
  for (const auto& [key, item] : table) {
    if (!item.is_string()) {
      return invalid_argument("expected " + expected_type(s) + ", not a table holding " +
                              type_name(item));
    }
    entries.emplace(key.str(), item.as_string()->get());
  }
  return entries;
}

// An array of tables of strings, or why not.
Result<Value> table_list_from(const Setting& s, const toml::array& array) {
  std::vector<std::map<std::string, std::string>> tables;
  for (const auto& item : array) {
    const auto* table = item.as_table();
    if (table == nullptr) {
      return invalid_argument("expected " + expected_type(s) + ", not an array holding " +
                              type_name(item));
    }
    auto entries = string_table_from(s, *table);
    if (!entries) {
      return entries.error();
    }
    tables.push_back(std::move(*entries));
  }
  return Value{std::move(tables)};
}

}  // namespace

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string render(const toml::node& node) {
  if (const auto* str = node.as_string()) {
    return quote(str->get());
  }
  std::string out;
  if (const auto* array = node.as_array()) {
    for (const auto& item : *array) {
      out += (out.empty() ? "" : ", ") + render(item);
    }
    return "[" + out + "]";
  }
  if (const auto* table = node.as_table()) {
    for (const auto& [key, item] : *table) {
      std::string name = is_bare_key(key.str()) ? std::string(key.str()) : quote(key.str());
      out += (out.empty() ? "" : ", ") + name + " = " + render(item);
    }
    return out.empty() ? "{}" : "{ " + out + " }";
  }
  std::ostringstream text;
  node.visit([&text](const auto& leaf) { text << leaf; });
  return text.str();
}

std::string shown(const Setting& s, const toml::node& node) {
  if (s.secrecy == Secrecy::kPublic) {
    return render(node);
  }
  const auto* str = node.as_string();
  return s.secrecy == Secrecy::kUrl && str != nullptr ? quote(redact_url(str->get()))
                                                      : std::string(kSecretShown);
}

Result<Value> from_node(const Setting& s, const toml::node& node) {
  switch (s.kind) {
    case Kind::kBool:
      if (const auto* b = node.as_boolean()) {
        return Value{b->get()};
      }
      break;
    case Kind::kInteger:
      if (const auto* i = node.as_integer()) {
        return Value{i->get()};
      }
      break;
    case Kind::kString:
      if (const auto* str = node.as_string()) {
        return Value{str->get()};
      }
      break;
    case Kind::kStringList:
      if (const auto* array = node.as_array()) {
        return string_list_from(s, *array);
      }
      break;
    case Kind::kStringTable:
      if (const auto* table = node.as_table()) {
        auto entries = string_table_from(s, *table);
        return entries ? Result<Value>(Value{std::move(*entries)}) : entries.error();
      }
      break;
    case Kind::kTableList:
      if (const auto* array = node.as_array()) {
        return table_list_from(s, *array);
      }
      break;
  }
  return invalid_argument("expected " + expected_type(s) + ", not " + type_name(node));
}

}  // namespace orch::config::internal
