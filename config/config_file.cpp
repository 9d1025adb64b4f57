// Reading orchestrator.toml: every key must be known and of the right TOML type.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include <toml++/toml.h>

#include "config/config_internal.h"
#include "config/config_toml_values.h"

namespace orch::config::internal {
namespace {

namespace fs = std::filesystem;

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
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    return refusal("configuration: cannot read " + file.string() + ": " +
                   std::error_code(errno, std::generic_category()).message());
  }
  std::array<char, 8192> buffer{};
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
    text.append(buffer.data(), got);
  }
  const int read_error = std::ferror(f) != 0 ? errno : 0;
  std::fclose(f);
  if (read_error != 0) {
    return refusal("configuration: cannot read " + file.string() + ": " +
                   std::error_code(read_error, std::generic_category()).message());
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

// A [pipelines.<name>] table being read: its name as the file writes it, and the file.
struct SectionPlace {
  std::string where;  // "pipelines.month_end"
  const fs::path& file;

  Error wrong(std::string_view key, const toml::node& value, std::string_view allowed) const {
    return refusal("configuration: " + where + "." + std::string(key) + " = " + render(value) +
                   " in " + file.string() + " is not allowed: " + std::string(allowed));
  }
};

// Reads `teams` (an array of whole numbers) into `section`.
Status read_teams(const toml::node& value, const SectionPlace& place, PipelineSection& section) {
  constexpr std::string_view kTeamsAllowed = "use an array of team ids (whole numbers from 1)";
  const toml::array* array = value.as_array();
  if (array == nullptr) {
    return place.wrong("teams", value, kTeamsAllowed);
  }
  std::vector<std::int64_t> ids;
  for (const toml::node& item : *array) {
    if (!item.is_integer()) {
      return place.wrong("teams", value, kTeamsAllowed);
    }
    ids.push_back(item.as_integer()->get());
  }
  section.teams = std::move(ids);
  return {};
}

// Reads the keys that only a [pipelines.<name>] table has (run_time, cron, general_only, teams)
// into `section`, and takes them out of `rest`.
Status read_schedule_keys(const toml::table& table, const SectionPlace& place,
                          PipelineSection& section, toml::table& rest) {
  for (std::string_view key : {"run_time", "cron"}) {
    if (const toml::node* value = table.get(key)) {
      if (!value->is_string()) {
        return place.wrong(key, *value, "expected a string");
      }
      (key == "cron" ? section.cron : section.run_time) = value->as_string()->get();
      rest.erase(key);
    }
  }
  if (const toml::node* value = table.get("general_only")) {
    if (!value->is_boolean()) {
      return place.wrong("general_only", *value, "expected a boolean (true or false)");
    }
    section.general_only = value->as_boolean()->get();
    rest.erase("general_only");
  }
  if (const toml::node* value = table.get("teams")) {
    if (auto ok = read_teams(*value, place, section); !ok) {
      return ok;
    }
    rest.erase("teams");
  }
  return {};
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
  toml::table rest = *table;
  if (auto ok = read_schedule_keys(*table, SectionPlace{where, file}, section, rest); !ok) {
    return ok.error();
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
