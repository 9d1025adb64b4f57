#include "orchestrator/store/database_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

namespace orch::store {

Result<std::optional<FileIdentity>> identify_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return std::optional<FileIdentity>();
    }
    return unavailable("cannot look at the database file " + path + ": " +
                       std::generic_category().message(error));
  }
  return std::optional<FileIdentity>(
      FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
}

Error database_not_found(const std::string& path) {
  return unavailable("database not found: " + path + " (create it with orchestrator migrate)");
}

Status check_same_file(const std::string& path, const FileIdentity& opened) {
  auto now = identify_file(path);
  if (!now) {
    return {};
  }
  if (!now->has_value()) {
    return failed_precondition("the database file " + path +
                               " was removed while in use: nothing is at that path now");
  }
  if (**now != opened) {
    return failed_precondition("the database file " + path +
                               " was replaced by another file while in use");
  }
  return {};
}

}  // namespace orch::store
