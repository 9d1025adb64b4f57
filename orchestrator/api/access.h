#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace orch::api {

// Who a request comes from, once its bearer token matched.
struct Caller {
  std::string name;  // the token's name (api.token is "api.token"); never the token
  config::ApiRole role = config::ApiRole::kRead;
};

enum class AccessOutcome {
  kGranted,
  kNoTokenConfigured,  // the API has no token at all: 403, saying how to set one
  kUnauthenticated,    // no bearer token, or a wrong one: 401
  kForbidden,          // a read token on an admin endpoint: 403
};

struct AccessDecision {
  AccessOutcome outcome = AccessOutcome::kUnauthenticated;
  std::optional<Caller> caller;
};

// The configured bearer tokens, and the check of an Authorization header against them. Tokens
// are compared in constant time, and every one of them is compared, so that neither the answer's
// timing nor which token matched leaks anything. Immutable after construction; thread-safe.
class AccessCheck {
 public:
  explicit AccessCheck(const config::ApiConfig& api);

  // `authorization`: the header as sent ("Bearer <token>"); `needed`: the role the endpoint needs.
  AccessDecision check(std::string_view authorization, config::ApiRole needed) const;

  bool has_tokens() const { return !tokens_.empty(); }

 private:
  std::vector<config::ApiToken> tokens_;
};

// Whether `a` and `b` are equal, in a time that depends only on the length of `b` (the text the
// client sent), never on where the first difference is or on `a`'s content.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace orch::api
