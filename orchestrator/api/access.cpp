#include "orchestrator/api/access.h"

#include <cctype>

namespace orch::api {

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  if (a.empty()) {
    return false;
  }
  // Every byte of `b` is compared (with a's bytes in turn, a[i % size]), so the loop's length
  // is b's; a length mismatch is folded into the result rather than returned early.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i % a.size()] ^ b[i]);
  }
  // Through a volatile, so the compiler cannot turn the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

AccessCheck::AccessCheck(const config::ApiConfig& api) {
  if (!api.token.empty()) {
    tokens_.push_back({"api.token", api.token, config::ApiRole::kAdmin});
  }
  tokens_.insert(tokens_.end(), api.tokens.begin(), api.tokens.end());
}

AccessDecision AccessCheck::check(std::string_view authorization, config::ApiRole needed) const {
  if (tokens_.empty()) {
    return {AccessOutcome::kNoTokenConfigured, std::nullopt};
  }
  // RFC 6750: the scheme is case-insensitive, then one or more spaces, then the token.
  constexpr std::string_view kScheme = "bearer";
  bool bearer = authorization.size() > kScheme.size();
  for (std::size_t i = 0; bearer && i < kScheme.size(); ++i) {
    bearer = std::tolower(static_cast<unsigned char>(authorization[i])) == kScheme[i];
  }
  if (!bearer || authorization[kScheme.size()] != ' ') {
    return {AccessOutcome::kUnauthenticated, std::nullopt};
  }
  std::string_view presented = authorization.substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') {
    presented.remove_prefix(1);
  }
  while (!presented.empty() && presented.back() == ' ') {
    presented.remove_suffix(1);
  }
  const config::ApiToken* match = nullptr;
  for (const config::ApiToken& token : tokens_) {
    // No early exit: every token is compared whatever matched before.
    if (equal_in_constant_time(token.token, presented) && match == nullptr) {
      match = &token;
    }
  }
  if (match == nullptr) {
    return {AccessOutcome::kUnauthenticated, std::nullopt};
  }
  Caller caller{match->name, match->role};
  if (needed == config::ApiRole::kAdmin && match->role != config::ApiRole::kAdmin) {
    return {AccessOutcome::kForbidden, caller};
  }
  return {AccessOutcome::kGranted, caller};
}

}  // namespace orch::api
