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

// The run folder a published output link points into, if it is one (a folder, not a link, fails
// to be read as one).
std::optional<std::string> linked_run(const fs::path& link) {
  std::error_code ec;
  fs::path target = fs::read_symlink(link, ec);  // runs/<run_id>/<name>
  if (ec) {
    return std::nullopt;
  }
  return target.parent_path().filename().string();
}

}  // namespace

// A folder's link count is 2 plus its subfolders on the filesystems that count them (ext4, xfs,
// tmpfs). One that does not count them says 1 (btrfs, overlayfs, ext4 beyond 65,000 subfolders)
// or 2 however many there are (some FUSE filesystems): 2 or less is "cannot tell".
std::optional<std::size_t> subfolder_count(const struct stat& st) {
  if (!S_ISDIR(st.st_mode) || st.st_nlink <= 2) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(st.st_nlink - 2);
}

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

std::string RunFolder::name() const {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string text = "run_0000000000000000";
  std::uint64_t rest = id;
  for (std::size_t i = text.size(); rest != 0; --i, rest >>= 4U) {
    text[i - 1] = kDigits[rest & 0xfU];
  }
  return text;
}

std::optional<RunFolder> run_folder(const std::string& name, const struct stat& st) {
  if (!is_run_id(name) || !S_ISDIR(st.st_mode)) {
    return std::nullopt;
  }
  constexpr int kNanosecondsPerSecond = 1000000000;
  return RunFolder{
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * kNanosecondsPerSecond + st.st_mtim.tv_nsec,
      std::stoull(name.substr(4), nullptr, 16)};
}

Result<std::vector<RunFolder>> list_run_folders(const fs::path& runs_dir) {
  std::vector<RunFolder> runs;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(runs_dir, ec)) {
    // Only folders this product made are ever removed: a kept "before_<run_id>" folder, or
    // anything a person put here, is not a run folder, whatever its age.
    const std::string name = entry.path().filename().string();
    struct stat st {};
    if (!is_run_id(name) ||
        ::fstatat(AT_FDCWD, entry.path().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      continue;
    }
    if (auto run = run_folder(name, st)) {
      runs.push_back(*run);
    }
  }
  if (ec) {
    return unavailable("cannot list " + runs_dir.string() + ": " + ec.message());
  }
  std::sort(runs.begin(), runs.end(), std::greater<>());
  return runs;
}

Status remove_run_folders_beyond(const RunFolders& folders, std::vector<RunFolder>& runs,
                                 std::size_t keep) {
  if (runs.size() <= keep) {
    return {};
  }
  std::set<std::string> in_use;
  for (const fs::path& link : {folders.output_dir, folders.output_share_dir}) {
    if (auto run = linked_run(link)) {
      in_use.insert(*run);
    }
  }
  Status result;
  std::vector<RunFolder> left(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(keep));
  for (std::size_t i = keep; i < runs.size(); ++i) {
    const fs::path path = folders.runs_dir / runs[i].name();
    if (in_use.count(runs[i].name()) != 0) {
      left.push_back(runs[i]);
      continue;
    }
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) {
      left.push_back(runs[i]);
      if (result) {
        result = unavailable("cannot remove " + path.string() + ": " + ec.message());
      }
    }
  }
  runs = std::move(left);
  return result;
}

Status prune_run_folders(const RunFolders& folders, std::size_t keep) {
  // Every run folder is a folder: when there are no more folders than `keep`, there is nothing to
  // remove, and one stat says so where listing stats every run folder kept.
  struct stat st {};
  if (::stat(folders.runs_dir.c_str(), &st) == 0) {
    if (auto count = subfolder_count(st); count && *count <= keep) {
      return {};
    }
  }
  auto runs = list_run_folders(folders.runs_dir);
  if (!runs) {
    return runs.error();
  }
  return remove_run_folders_beyond(folders, *runs, keep);
}

}  // namespace orch::pipeline
