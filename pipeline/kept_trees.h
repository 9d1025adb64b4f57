#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/base/ids.h"

namespace orch::pipeline {

// Which folder a name led to: a folder is one inode of one filesystem, and has one place.
struct FolderIdentity {
  dev_t device = 0;
  ino_t inode = 0;
  friend bool operator==(const FolderIdentity&, const FolderIdentity&) = default;
};

// The folders of a team's `daily` tree that TeamTree::prepare() found inside it, as they were.
struct KeptTree {
  FolderIdentity input_owner;     // <input root>/sales_team_<id>
  FolderIdentity files_required;  // <input owner>/files_required
  FolderIdentity output_owner;    // <output root>/sales_team_<id>
  FolderIdentity runs;            // <output owner>/runs
};

// The teams' trees a run has already checked, remembered across runs so that the next run of the
// team only confirms that each name still holds the very folder that was checked (one lstat each,
// the last component never followed), instead of opening and walking the tree anew. Nothing is
// kept open: a team costs no descriptor, whatever the number of teams. Only a tree made of plain
// folders is kept (no symlink anywhere from the root to its leaves), so that a name holding the
// kept folder means the folder is still where it was checked: a folder has a single place, and
// one moved away leaves behind either nothing or something else at its name.
// Bounded: beyond `limit` trees, all are forgotten and checked anew. Thread-safe.
class KeptTrees {
 public:
  static constexpr std::size_t kDefaultLimit = 16384;

  explicit KeptTrees(std::size_t limit = kDefaultLimit) : limit_(limit) {}

  // The team's tree when it is kept and every one of its folders is still the one kept, on the
  // roots it was kept on; else std::nullopt (and the team is forgotten).
  struct Found {
    std::filesystem::path input_root;   // resolved, as when it was kept
    std::filesystem::path output_root;  // resolved
  };
  // `owner` is the team's folder name in both roots.
  std::optional<Found> still_there(TeamId team, const std::string& owner);

  // Remembers `tree`, found on the resolved roots (other roots than the kept ones forget all).
  void keep(TeamId team, const KeptTree& tree, const std::filesystem::path& input_root,
            const std::filesystem::path& output_root);

  std::size_t size() const;

 private:
  struct Roots {
    std::filesystem::path input;
    std::filesystem::path output;
  };

  std::size_t limit_;
  mutable std::mutex mutex_;
  // Shared with the callers that still check against them when the roots change.
  std::shared_ptr<const Roots> roots_;
  std::unordered_map<std::int64_t, KeptTree> trees_;
};

// The identity of the folder open as `fd`; std::nullopt when it is not a folder.
std::optional<FolderIdentity> folder_identity(int fd);

// The tree of the four folders open as these descriptors, when each is a plain folder: the
// owners are (opened without following a symlink), and files_required and runs are the very
// folders their names hold in their owners, not symlinks. std::nullopt otherwise.
std::optional<KeptTree> plain_tree(int input_owner, int files_required, int output_owner, int runs);

}  // namespace orch::pipeline
