#include "orchestrator/core/audit_actor.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace orch {

std::string cli_actor() {
  const uid_t uid = geteuid();
  // getpwuid_r rather than getpwuid: the latter's static buffer is not thread-safe.
  const std::int64_t size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr && found->pw_name[0] != '\0') {
    return std::string("cli:") + found->pw_name;
  }
  return "cli:" + std::to_string(uid);
}

std::string api_actor(std::string_view token_name) {
  return "api:" + std::string(token_name);
}

}  // namespace orch
