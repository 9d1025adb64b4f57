#include "pipeline/run_outputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "config/base/ids.h"

namespace orch::pipeline {
namespace fs = std::filesystem;

namespace {

Status unavailable_errno(const std::string& what) {
  return unavailable(what + ": " + std::generic_category().message(errno));
}

// Points `link` at `target` (relative to the link's folder) in one atomic step.
Status switch_link(const fs::path& link, const fs::path& target, const fs::path& runs_dir,
                   const std::string& run_id) {
  fs::path staged = link.parent_path() / ("." + link.filename().string() + "." + run_id);
  int made = ::symlink(target.c_str(), staged.c_str());
  if (made != 0 && errno == EEXIST) {
    // Left by a switch cut short (a link, or the folder an exchange swapped out): made again.
    if (::unlink(staged.c_str()) != 0 && errno == EISDIR) {
      ::rmdir(staged.c_str());
    }
    made = ::symlink(target.c_str(), staged.c_str());
  }
  if (made != 0) {
    return unavailable_errno("cannot create symlink " + staged.string());
  }
  // The link from the last good run, or nothing yet: rename(2) replaces it atomically.
  if (::rename(staged.c_str(), link.c_str()) == 0) {
    return {};
  }
  if (errno != EISDIR) {
    Status s = unavailable_errno("cannot switch " + link.string() + " to " + target.string());
    ::unlink(staged.c_str());
    return s;
  }
  // A folder (left empty by a first run that did not complete, or outputs from before they were
  // links), which rename(2) cannot replace with a symlink. RENAME_EXCHANGE swaps them
  // atomically, and the folder from before lands where the staged link was: removed if empty,
  // kept in the runs folder if not.
  if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, link.c_str(), RENAME_EXCHANGE) != 0) {
    Status s = unavailable_errno("cannot switch " + link.string() + " to " + target.string());
    ::unlink(staged.c_str());
    return s;
  }
  if (::rmdir(staged.c_str()) != 0) {
    fs::path kept = runs_dir / ("before_" + run_id);
    std::error_code ec;
    fs::create_directories(kept, ec);
    fs::rename(staged, kept / link.filename(), ec);
  }
  return {};
}

// The run folder a published output link points into, if it is one.
std::optional<std::string> linked_run(const fs::path& link) {
  std::error_code ec;
  if (!fs::is_symlink(link, ec)) {
    return std::nullopt;
  }
  fs::path target = fs::read_symlink(link, ec);  // runs/<run_id>/<name>
  if (ec) {
    return std::nullopt;
  }
  return target.parent_path().filename().string();
}

// True when the folder `dir` has at most `count` folders in it, as its link count tells: a folder's
// link count is 2 plus its subfolders on the filesystems that count them (ext4, xfs, tmpfs). One
// that does not count them says 1 (btrfs, overlayfs, ext4 beyond 65,000 subfolders) or 2 however
// many there are (some FUSE filesystems): 2 or less is "cannot tell", and the caller lists.
bool holds_at_most_folders(const fs::path& dir, std::size_t count) {
  struct stat st {};
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink > 2 &&
         st.st_nlink - 2 <= count;
}

}  // namespace

RunOutputDirs run_output_dirs(const fs::path& run_dir) {
  return {run_dir / "output", run_dir / "output_share"};
}

Status publish_outputs(const RunFolders& folders, const fs::path& run_dir) {
  const std::string run_id = run_dir.filename().string();
  const fs::path relative = fs::path(folders.runs_dir.filename()) / run_id;
  for (const fs::path& link : {folders.output_dir, folders.output_share_dir}) {
    if (Status s = switch_link(link, relative / link.filename(), folders.runs_dir, run_id); !s) {
      return s;
    }
  }
  return {};
}

Status ensure_output_folders(const RunFolders& folders) {
  for (const fs::path& dir : {folders.output_dir, folders.output_share_dir}) {
    // mkdir(2) never follows a symlink in the last component: a link found there stays.
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
      return unavailable_errno("cannot create folder " + dir.string());
    }
  }
  return {};
}

Status prune_run_folders(const RunFolders& folders, std::size_t keep) {
  struct RunFolder {
    fs::file_time_type modified;
    fs::path path;
  };
  // Every run folder is a folder: when there are no more folders than `keep`, there is nothing to
  // remove, and one stat says so where listing stats every run folder kept.
  if (holds_at_most_folders(folders.runs_dir, keep)) {
    return {};
  }
  std::vector<RunFolder> runs;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(folders.runs_dir, ec)) {
    // Only folders this product made are ever removed: a kept "before_<run_id>" folder, or
    // anything a person put here, is not a run folder, whatever its age.
    std::error_code entry_ec;
    if (is_run_id(entry.path().filename().string()) && entry.is_directory(entry_ec) &&
        !entry.is_symlink(entry_ec)) {
      runs.push_back({entry.last_write_time(entry_ec), entry.path()});
    }
  }
  if (ec) {
    return unavailable("cannot list " + folders.runs_dir.string() + ": " + ec.message());
  }
  if (runs.size() <= keep) {
    return {};
  }
  std::sort(runs.begin(), runs.end(), [](const RunFolder& a, const RunFolder& b) {
    return a.modified != b.modified ? a.modified > b.modified : a.path > b.path;
  });
  std::set<std::string> in_use;
  for (const fs::path& link : {folders.output_dir, folders.output_share_dir}) {
    if (auto run = linked_run(link)) {
      in_use.insert(*run);
    }
  }
  Status result;
  for (std::size_t i = keep; i < runs.size(); ++i) {
    if (in_use.count(runs[i].path.filename().string()) != 0) {
      continue;
    }
    fs::remove_all(runs[i].path, ec);
    if (ec && result) {
      result = unavailable("cannot remove " + runs[i].path.string() + ": " + ec.message());
    }
  }
  return result;
}

}  // namespace orch::pipeline
