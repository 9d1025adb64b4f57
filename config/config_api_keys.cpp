// The HTTP API's bearer tokens: api.token (one admin token) and api.tokens (named, with a role).

#include <algorithm>
#include <set>

#include "config/config_internal.h"

namespace orch::config::internal {
namespace {

// Long enough that guessing is hopeless at any request rate the server allows.
constexpr std::size_t kMinTokenSize = 16;
constexpr std::size_t kMaxTokenSize = 4096;
constexpr std::size_t kMaxNameSize = 64;
constexpr std::string_view kTokenAllowed =
    "use 16 to 4096 printable ASCII characters without spaces (e.g. the output of "
    "openssl rand -hex 32)";

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// Refuses a key of an api.tokens item other than name, token and role; `where` names the item.
Status check_token_keys(const std::map<std::string, std::string>& entries,
                        const std::string& where) {
  for (const auto& [key, unused] : entries) {
    if (key != "name" && key != "token" && key != "role") {
      return invalid_argument(where + "unknown key " + quote(key) +
                              " (allowed: name, token, role)");
    }
  }
  return {};
}

}  // namespace

// The token is compared with the text after "Bearer " in a header: a space or a control
// character could never match, so it is refused here rather than silently never working.
Status check_api_token(std::string_view token) {
  if (token.empty()) {
    return {};
  }
  bool printable =
      std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7f; });
  if (!printable || token.size() < kMinTokenSize || token.size() > kMaxTokenSize) {
    return invalid_argument(std::string(kTokenAllowed));
  }
  return {};
}

// Messages name the item and the key, never the token itself.
Status apply_api_tokens(const Value& value, Config& config) {
  const auto& tables = std::get<std::vector<std::map<std::string, std::string>>>(value);
  std::vector<ApiToken> tokens;
  std::set<std::string> names;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const auto& entries = tables[i];
    std::string where = "item " + std::to_string(i + 1) + ": ";
    if (auto ok = check_token_keys(entries, where); !ok) {
      return ok;
    }
    ApiToken token;
    auto name = entries.find("name");
    if (name == entries.end() || name->second.empty() || name->second.size() > kMaxNameSize ||
        !std::all_of(name->second.begin(), name->second.end(), is_name_char)) {
      return invalid_argument(where + "name: use 1 to 64 of A-Z a-z 0-9 _ - .");
    }
    token.name = name->second;
    if (!names.insert(token.name).second) {
      return invalid_argument(where + "name " + quote(token.name) + " is given twice");
    }
    auto secret = entries.find("token");
    if (secret == entries.end() || secret->second.empty()) {
      return invalid_argument(where + "token: missing; " + std::string(kTokenAllowed));
    }
    if (auto ok = check_api_token(secret->second); !ok) {
      return invalid_argument(where + "token: " + ok.error().message);
    }
    token.token = secret->second;
    if (!seen.insert(token.token).second) {
      return invalid_argument(where + "token: the same token is given twice");
    }
    auto role = entries.find("role");
    std::string role_text = role == entries.end() ? "read" : to_lower(role->second);
    if (role_text != "read" && role_text != "admin") {
      return invalid_argument(where + "role = " + quote(role->second) +
                              " is not allowed: use read or admin");
    }
    token.role = role_text == "admin" ? ApiRole::kAdmin : ApiRole::kRead;
    tokens.push_back(std::move(token));
  }
  config.api.tokens = std::move(tokens);
  return {};
}

}  // namespace orch::config::internal
