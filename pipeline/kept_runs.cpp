#include "pipeline/kept_runs.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <utility>

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

// True when the remembered `run` is still that run folder: a real folder, unchanged since.
bool still_there(const fs::path& runs_dir, const RunFolder& run) {
  const std::string name = run.name();
  struct stat st {};
  return ::fstatat(AT_FDCWD, (runs_dir / name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         run_folder(name, st) == run;
}

}  // namespace

Status KeptRuns::prune(const RunFolders& folders, const fs::path& run_dir, std::size_t keep) {
  struct stat st {};
  if (::stat(folders.runs_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return prune_run_folders(folders, keep);  // which says why
  }
  const FolderIdentity runs{st.st_dev, st.st_ino};
  const std::optional<std::size_t> count = subfolder_count(st);
  if (!count) {
    forget(runs);
    return prune_run_folders(folders, keep);
  }
  if (*count <= keep) {
    forget(runs);  // nothing to remove, and nothing worth remembering yet
    return {};
  }
  auto newest = remembered(runs, st.st_nlink, run_dir, keep);
  if (!newest) {
    auto listed = list_run_folders(folders.runs_dir);
    if (!listed) {
      return listed.error();
    }
    newest = std::move(*listed);
  }
  const std::size_t before = newest->size();
  Status removed = remove_run_folders_beyond(folders, *newest, keep);
  if (!removed) {
    return removed;  // forgotten by remembered(): the next run lists
  }
  const nlink_t links = st.st_nlink - (before - newest->size());
  remember(runs, links, std::move(*newest));
  return {};
}

std::optional<std::vector<RunFolder>> KeptRuns::remembered(const FolderIdentity& runs,
                                                           nlink_t links, const fs::path& run_dir,
                                                           std::size_t keep) {
  Kept kept;
  {
    const std::lock_guard lock(mutex_);
    auto it = kept_.find(runs);
    if (it == kept_.end()) {
      return std::nullopt;
    }
    // Taken out: a second run of the owner pruning meanwhile lists, and what it finds is kept.
    kept = std::move(it->second);
    kept_.erase(it);
  }
  // One new folder since, this run's: an operator's folder added or removed changes the count.
  struct stat st {};
  const auto added = ::fstatat(AT_FDCWD, run_dir.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0
                         ? run_folder(run_dir.filename().string(), st)
                         : std::nullopt;
  std::vector<RunFolder>& newest = kept.newest;
  if (links != kept.links + 1 || !added ||
      std::any_of(newest.begin(), newest.end(),
                  [&](const RunFolder& run) { return run.id == added->id; })) {
    return std::nullopt;
  }
  newest.insert(std::upper_bound(newest.begin(), newest.end(), *added, std::greater<>()), *added);
  // Those to be removed must be the very folders remembered (an operator may have touched one,
  // which makes it newer, or swapped it for something else under the same count).
  const fs::path runs_dir = run_dir.parent_path();
  for (std::size_t i = keep; i < newest.size(); ++i) {
    if (!still_there(runs_dir, newest[i])) {
      return std::nullopt;
    }
  }
  return std::move(newest);
}

void KeptRuns::remember(const FolderIdentity& runs, nlink_t links, std::vector<RunFolder> newest) {
  const std::lock_guard lock(mutex_);
  if (kept_.size() >= limit_) {
    kept_.clear();  // as KeptTrees: simpler than an order of use; a forgotten folder is listed
  }
  kept_[runs] = Kept{links, std::move(newest)};
}

void KeptRuns::forget(const FolderIdentity& runs) {
  const std::lock_guard lock(mutex_);
  kept_.erase(runs);
}

std::size_t KeptRuns::size() const {
  const std::lock_guard lock(mutex_);
  return kept_.size();
}

}  // namespace orch::pipeline
