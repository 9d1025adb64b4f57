// Reading orchestrator.toml: every key must be known and of the right TOML type.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <sstream>
#include <system_error>

#include <toml++/toml.h>

#include "config/config_internal.h"

namespace orch::config::internal {
namespace {

namespace fs = std::filesystem;

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

// A TOML value on one line, for messages (toml++'s own printer spreads tables over lines).
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

// Checks the TOML type only; the content is checked by the setting's apply.
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
        std::vector<std::string> items;
        for (const auto& item : *array) {
          if (!item.is_string()) {
            return invalid_argument("expected " + expected_type(s) + ", not an array holding " +
                                    type_name(item));
          }
          items.push_back(item.as_string()->get());
        }
        return Value{std::move(items)};
      }
      break;
    case Kind::kStringTable:
      if (const auto* table = node.as_table()) {
        std::map<std::string, std::string> entries;
        for (const auto& [key, item] : *table) {
          if (!item.is_string()) {
            return invalid_argument("expected " + expected_type(s) + ", not a table holding " +
                                    type_name(item));
          }
          entries.emplace(key.str(), item.as_string()->get());
        }
        return Value{std::move(entries)};
      }
      break;
    case Kind::kTableList:
      if (const auto* array = node.as_array()) {
        std::vector<std::map<std::string, std::string>> tables;
        for (const auto& item : *array) {
          const auto* table = item.as_table();
          if (table == nullptr) {
            return invalid_argument("expected " + expected_type(s) + ", not an array holding " +
                                    type_name(item));
          }
          auto& entries = tables.emplace_back();
          for (const auto& [key, leaf] : *table) {
            if (!leaf.is_string()) {
              return invalid_argument("expected " + expected_type(s) + ", not a table holding " +
                                      type_name(leaf));
            }
            entries.emplace(key.str(), leaf.as_string()->get());
          }
        }
        return Value{std::move(tables)};
      }
      break;
  }
  return invalid_argument("expected " + expected_type(s) + ", not " + type_name(node));
}

bool is_key(std::string_view name) {
  const auto all = settings();
  return std::any_of(all.begin(), all.end(), [&](const Setting& s) { return s.key == name; });
}

// "notify" is a section because "notify.smtp.host" is a key.
bool is_section(std::string_view name) {
  const auto all = settings();
  return std::any_of(all.begin(), all.end(), [&](const Setting& s) {
    return s.key.size() > name.size() && s.key.starts_with(name) && s.key[name.size()] == '.';
  });
}

// What may appear in `section` (the top level when empty): "enabled, [notify.smtp], ...", with
// the section's name written as `shown_section` (a [pipelines.<name>] table holds the keys of
// [pipeline]).
std::string allowed_in(std::string_view section, std::string_view shown_section) {
  std::string prefix = section.empty() ? "" : std::string(section) + ".";
  std::string shown_prefix = shown_section.empty() ? "" : std::string(shown_section) + ".";
  std::vector<std::string> names;
  for (const Setting& s : settings()) {
    if (!s.key.starts_with(prefix)) {
      continue;
    }
    auto rest = s.key.substr(prefix.size());
    auto dot = rest.find('.');
    std::string name = dot == std::string_view::npos
                           ? std::string(rest)
                           : "[" + shown_prefix + std::string(rest.substr(0, dot)) + "]";
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  if (section.empty()) {
    names.emplace_back("[pipelines.<name>]");
  }
  if (section == "pipeline" && shown_section != section) {
    for (std::string_view own : {"run_time", "cron", "teams", "general_only"}) {
      names.emplace_back(own);
    }
  }
  std::string out;
  for (const auto& name : names) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

// Where a key or section of the file is, as settings() names it and as the file writes it.
struct Place {
  std::string key;    // "pipeline.retry"
  std::string shown;  // "pipelines.month_end.retry"
};

Error unknown(const std::string& shown_name, const toml::node& node, const Place& section,
              const fs::path& file) {
  std::string message = "configuration: ";
  message +=
      node.is_table() ? "unknown section [" + shown_name + "]" : "unknown key " + quote(shown_name);
  message += " in " + file.string();
  message += section.key.empty() ? " (allowed: " : " (allowed in [" + section.shown + "]: ";
  message += allowed_in(section.key, section.shown);
  message += ")";
  return refusal(std::move(message));
}

// Finds every known key in `table`, refusing anything else: a misspelt key would otherwise be
// silently ignored and its default used.
Status collect(const toml::table& table, const Place& place, const fs::path& file,
               std::map<std::string, const toml::node*>& found) {
  for (const auto& [key, node] : table) {
    std::string name(key.str());
    Place here{place.key.empty() ? name : place.key + "." + name,
               place.shown.empty() ? name : place.shown + "." + name};
    const std::string& full = here.key;
    // A quoted key holding a dot ("scheduler.enabled" = true) is not one of ours.
    bool plain = name.find('.') == std::string::npos;
    if (plain && is_key(full)) {
      found[full] = &node;
      continue;
    }
    if (plain && is_section(full) && node.is_table()) {
      if (auto ok = collect(*node.as_table(), here, file, found); !ok) {
        return ok;
      }
      continue;
    }
    if (plain && is_section(full)) {
      // No value printed: it may be a secret put where its section belongs.
      std::string message = "configuration: " + here.shown;
      message += " in " + file.string();
      message += " must be a table [" + here.shown + "], not " + type_name(node);
      return refusal(std::move(message));
    }
    return unknown(here.shown, node, place, file);
  }
  return {};
}

Result<toml::table> parse_file(const fs::path& file) {
  // Read here rather than by toml::parse_file, which says only "could not be opened": the
  // operator needs the reason (permission denied, a folder, ...).
  std::string text;
  if (std::FILE* f = std::fopen(file.c_str(), "rb"); f == nullptr) {
    return refusal("configuration: cannot read " + file.string() + ": " +
                   std::error_code(errno, std::generic_category()).message());
  } else {
    char buffer[8192];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
      text.append(buffer, got);
    }
    const int read_error = std::ferror(f) != 0 ? errno : 0;
    std::fclose(f);
    if (read_error != 0) {
      return refusal("configuration: cannot read " + file.string() + ": " +
                     std::error_code(read_error, std::generic_category()).message());
    }
  }
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return refusal("configuration: " + file.string() + ":" + std::to_string(e.source().begin.line) +
                   ":" + std::to_string(e.source().begin.column) + ": " +
                   std::string(e.description()));
  } catch (const std::exception& e) {
    return refusal("configuration: cannot read " + file.string() + ": " + e.what());
  }
}

// Reads one [pipelines.<name>] table: its own keys (run_time, cron, teams, general_only) here,
// the [pipeline] keys it overrides through collect(), checked for their types.
Result<PipelineSection> read_pipeline_section(const std::string& name, const toml::node& node,
                                              const fs::path& file) {
  const std::string where = "pipelines." + (is_bare_key(name) ? name : quote(name));
  if (!is_pipeline_name(name)) {
    return refusal("configuration: [" + where + "] in " + file.string() +
                   " is not allowed: a pipeline name is 1 to 40 of a-z, 0-9, '_' and '-', "
                   "starting with a letter");
  }
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    return refusal("configuration: " + where + " in " + file.string() + " must be a table [" +
                   where + "], not " + type_name(node));
  }
  PipelineSection section;
  section.name = name;
  auto wrong = [&](std::string_view key, const toml::node& value, std::string_view allowed) {
    return refusal("configuration: " + where + "." + std::string(key) + " = " + render(value) +
                   " in " + file.string() + " is not allowed: " + std::string(allowed));
  };
  toml::table rest = *table;
  for (std::string_view key : {"run_time", "cron"}) {
    if (const toml::node* value = table->get(key)) {
      if (!value->is_string()) {
        return wrong(key, *value, "expected a string");
      }
      (key == "cron" ? section.cron : section.run_time) = value->as_string()->get();
      rest.erase(key);
    }
  }
  if (const toml::node* value = table->get("general_only")) {
    if (!value->is_boolean()) {
      return wrong("general_only", *value, "expected a boolean (true or false)");
    }
    section.general_only = value->as_boolean()->get();
    rest.erase("general_only");
  }
  if (const toml::node* value = table->get("teams")) {
    constexpr std::string_view kTeamsAllowed = "use an array of team ids (whole numbers from 1)";
    const toml::array* array = value->as_array();
    if (array == nullptr) {
      return wrong("teams", *value, kTeamsAllowed);
    }
    std::vector<std::int64_t> ids;
    for (const toml::node& item : *array) {
      if (!item.is_integer()) {
        return wrong("teams", *value, kTeamsAllowed);
      }
      ids.push_back(item.as_integer()->get());
    }
    section.teams = std::move(ids);
    rest.erase("teams");
  }
  std::map<std::string, const toml::node*> found;
  if (auto ok = collect(rest, Place{"pipeline", where}, file, found); !ok) {
    return ok.error();
  }
  for (const Setting& s : settings()) {
    auto it = found.find(std::string(s.key));
    if (it != found.end()) {
      section.entries.push_back({&s, from_node(s, *it->second), shown(s, *it->second)});
    }
  }
  return section;
}

}  // namespace

Status apply_file(const fs::path& file, Config& config, std::vector<PipelineSection>& pipelines) {
  auto table = parse_file(file);
  if (!table) {
    return table.error();
  }
  if (const toml::node* node = table->get("pipelines")) {
    if (!node->is_table()) {
      return refusal("configuration: pipelines in " + file.string() +
                     " must be tables [pipelines.<name>], not " + type_name(*node));
    }
    for (const auto& [key, section] : *node->as_table()) {
      auto read = read_pipeline_section(std::string(key.str()), section, file);
      if (!read) {
        return read.error();
      }
      pipelines.push_back(std::move(*read));
    }
    table->erase("pipelines");
  }
  std::map<std::string, const toml::node*> found;
  if (auto ok = collect(*table, Place{}, file, found); !ok) {
    return ok;
  }
  for (const Setting& s : settings()) {
    auto it = found.find(std::string(s.key));
    if (it == found.end()) {
      continue;
    }
    const toml::node& node = *it->second;
    if (auto ok = apply_setting(s, from_node(s, node), config); !ok) {
      return not_allowed(s, {.file = &file}, shown(s, node), ok.error().message);
    }
  }
  return {};
}

}  // namespace orch::config::internal
