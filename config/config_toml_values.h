#pragma once

// The TOML side of reading a configuration file: a node's type checked against a Setting's Kind,
// and a node as messages show it. Private to config/: only the files that parse TOML include it.

#include <string>

#include <toml++/toml.h>

#include "config/config_internal.h"

namespace orch::config::internal {

// "a table", "an integer", ...: what a node is, for messages.
std::string type_name(const toml::node& node);
// A TOML value on one line, for messages (toml++'s own printer spreads tables over lines).
std::string render(const toml::node& node);
// The value as messages show it: rendered, or redacted when the setting is a secret or a URL.
std::string shown(const Setting& s, const toml::node& node);
// Checks the TOML type only; the content is checked by the setting's apply.
Result<Value> from_node(const Setting& s, const toml::node& node);

}  // namespace orch::config::internal
