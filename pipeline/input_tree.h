#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/base/owned_fd.h"
#include "config/base/result.h"

namespace orch::pipeline {

// Whose tree the inputs come from. The general run's is the input root minus the teams'
// subtrees (sales_team_<id>), so nothing it reads may lead into one of those either.
enum class InputOwner { kTeam, kGeneral };

// An owner's input folder, open, and every input in it opened only by the kernel's resolution
// below the owner's tree (openat2 RESOLVE_BENEATH): no symlink, rename or swap in the tree, made
// before or during a run, makes an input lead outside. Symlinks that stay inside are followed,
// absolute ones included. Movable, not copyable; one thread at a time.
class InputTree {
 public:
  // Opens `folder`, which must be written below `tree_root`. Fails with kUnavailable when it is
  // missing or unreadable, with kInvalidArgument when it leads outside the owner's tree.
  static Result<InputTree> open(const std::filesystem::path& folder,
                                const std::filesystem::path& tree_root, InputOwner owner);

  // The names of the folder's regular files and symlinks to regular files, but for those
  // `ignored` says to skip. A symlink that leads outside the tree is refused (kInvalidArgument)
  // whether or not it would have been picked, so that a planted link never goes unnoticed; a
  // dangling one is skipped. More than `max_inputs`: kInvalidArgument, found without listing
  // the rest.
  Result<std::vector<std::string>> list(const std::function<bool(std::string_view)>& ignored,
                                        std::size_t max_inputs) const;

  // Opens the input `name` for reading and fills `st` from the descriptor, which must be a
  // regular file inside the owner's tree. kInvalidArgument when it leads outside, kUnavailable
  // when it is gone or no longer a regular file.
  Result<OwnedFd> open_input(const std::string& name, struct stat& st) const;

  // The folder as given (absolute), for messages.
  const std::filesystem::path& folder() const { return shown_folder_; }

 private:
  InputTree() = default;
  int open_below_root(const std::string& name, int flags) const;
  Error open_error(const std::filesystem::path& shown, int error, const std::string& target) const;
  Status check_owner(int fd, const std::filesystem::path& shown) const;
  Result<bool> is_input(const std::string& name, unsigned char type) const;
  Status add_input(std::string name, unsigned char type,
                   const std::function<bool(std::string_view)>& ignored, std::size_t max_inputs,
                   std::vector<std::string>& names) const;
  const std::filesystem::path& real_root() const;

  OwnedFd root_;                 // O_PATH: the owner's tree
  OwnedFd folder_;               // the input folder
  std::filesystem::path below_;  // the folder relative to the root, e.g. "files_required"
  // The root as the kernel resolved it, once asked.
  mutable std::optional<std::filesystem::path> real_root_;
  std::filesystem::path shown_root_;  // the root and the folder as given, for messages
  std::filesystem::path shown_folder_;
  InputOwner owner_ = InputOwner::kTeam;
};

}  // namespace orch::pipeline
