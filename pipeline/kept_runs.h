#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "config/base/result.h"
#include "pipeline/kept_trees.h"
#include "pipeline/run_outputs.h"

namespace orch::pipeline {

// The run folders of each owner's runs folder, remembered across runs so that pruning, once an
// owner has more run folders than it keeps, costs a few system calls per run instead of a listing
// and a stat of every run folder. What it remembers is only trusted while the runs folder's link
// count (2 plus its subfolders) is what this run explains: the one it remembered plus the run
// folder just made. A folder an operator removed or added changes that count, and the folder is
// listed anew; a remembered folder is checked (a real folder, unchanged) before it is removed, and
// one that is not sends the run to a fresh listing too. A filesystem that does not count
// subfolders is listed at every run, as prune_run_folders() does.
// Bounded: beyond `limit` runs folders, all are forgotten. Thread-safe.
class KeptRuns {
 public:
  static constexpr std::size_t kDefaultLimit = 16384;

  explicit KeptRuns(std::size_t limit = kDefaultLimit) : limit_(limit) {}

  // prune_run_folders(folders, keep), after the run whose folder is `run_dir` (in
  // folders.runs_dir) ended.
  Status prune(const RunFolders& folders, const std::filesystem::path& run_dir, std::size_t keep);

  // How many runs folders are remembered.
  std::size_t size() const;

 private:
  struct Kept {
    nlink_t links = 0;              // the runs folder's link count once pruned
    std::vector<RunFolder> newest;  // its run folders, newest first
  };

  // The remembered run folders, with the run `run_dir` added, when they still hold (and those
  // beyond `keep` are still the folders remembered); std::nullopt when the folder must be listed.
  std::optional<std::vector<RunFolder>> remembered(const FolderIdentity& runs, nlink_t links,
                                                   const std::filesystem::path& run_dir,
                                                   std::size_t keep);
  void remember(const FolderIdentity& runs, nlink_t links, std::vector<RunFolder> newest);
  void forget(const FolderIdentity& runs);

  struct IdentityHash {
    std::size_t operator()(const FolderIdentity& id) const noexcept {
      return std::hash<ino_t>()(id.inode) ^ (std::hash<dev_t>()(id.device) << 1U);
    }
  };

  std::size_t limit_;
  mutable std::mutex mutex_;
  std::unordered_map<FolderIdentity, Kept, IdentityHash> kept_;
};

}  // namespace orch::pipeline
