#pragma once

#include <cstddef>
#include <filesystem>

#include "config/base/result.h"
#include "pipeline/team_tree.h"

namespace orch::pipeline {

// Where one run writes: <runs_dir>/<run_id>/output and .../output_share, fresh for each run.
struct RunOutputDirs {
  std::filesystem::path output_dir;
  std::filesystem::path output_share_dir;
};
RunOutputDirs run_output_dirs(const std::filesystem::path& run_dir);

// Makes a completed run's outputs the owner's outputs: `folders.output_dir` and
// `folders.output_share_dir` become symlinks to the run's own folders, each switched in one
// atomic rename, so a reader sees the previous run's files or this run's, never a mix. The first
// time, a real folder found there (from before runs had folders of their own) is swapped out
// atomically too and kept in `runs_dir` as "before_<run_id>", or removed when empty.
// Requires: `run_dir` is a folder directly in `folders.runs_dir`.
Status publish_outputs(const RunFolders& folders, const std::filesystem::path& run_dir);

// Makes `folders.output_dir` and `folders.output_share_dir` empty folders where they are missing,
// so that a tree whose first run did not complete still shows where its outputs will be.
// Fails with kUnavailable naming the folder it could not create.
Status ensure_output_folders(const RunFolders& folders);

// Removes the oldest run folders of `folders.runs_dir` (by modification time) beyond the newest
// `keep`, never one that the owner's outputs link to. A run folder is a real folder named by a
// run id (is_run_id); nothing else there is counted or touched. Fails with kUnavailable naming the
// first folder it could not remove (it still removes the others).
Status prune_run_folders(const RunFolders& folders, std::size_t keep);

}  // namespace orch::pipeline
