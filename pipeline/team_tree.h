#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "config/base/ids.h"
#include "config/base/result.h"

namespace orch::pipeline {

// The folders of one run's owner (a team, or the general run when the team is std::nullopt) and
// pipeline. The `daily` pipeline's are shown; any other pipeline's outputs and runs are in
// <output_dir>/sales_team_<id>/pipelines/<name>/, and it reads the same inputs.
struct RunFolders {
  std::filesystem::path input_dir;         // <input_dir>/sales_team_<id>/files_required
  std::filesystem::path output_dir;        // <output_dir>/sales_team_<id>/output
  std::filesystem::path output_share_dir;  // <output_dir>/sales_team_<id>/output_share
  std::filesystem::path runs_dir;          // <output_dir>/sales_team_<id>/runs: per-run logs, files
  std::filesystem::path input_root;        // <input_dir>/sales_team_<id> (general: <input_dir>)
  std::filesystem::path output_root;       // <output_dir>/sales_team_<id> (general: <output_dir>)
};

// True for a name like "sales_team_3" (the prefix and any decimal digits): a team's subtree,
// which the general run's tree leaves out.
bool is_team_folder_name(std::string_view name);

class KeptTrees;

// Every path of a team's isolated tree, and the checks that keep a run inside it. Nothing from
// outside is joined into a path unchecked: a team id is a validated TeamId, and any folder that
// resolves (through a symlink) outside the team's tree is refused. Thread-safe. A team's tree
// that was found inside is remembered (KeptTrees), and its next run only confirms that each of its
// folders is still the one found.
//
// The general run's tree is the root itself minus the teams' subtrees: its folders are
// <input_dir>/files_required and <output_dir>/{output,output_share,runs}.
class TeamTree {
 public:
  TeamTree(std::filesystem::path input_root, std::filesystem::path output_root);
  ~TeamTree();
  TeamTree(const TeamTree&) = delete;
  TeamTree& operator=(const TeamTree&) = delete;
  TeamTree(TeamTree&&) = delete;
  TeamTree& operator=(TeamTree&&) = delete;

  // The folders of `team`'s `pipeline` (a valid pipeline name), without touching the disk.
  RunFolders folders(const std::optional<TeamId>& team,
                     std::string_view pipeline = kDefaultPipeline) const;

  // Creates the folders when missing and checks that each resolves inside the owner's tree.
  // The published outputs (output_dir, output_share_dir) are only checked: they are links that
  // publish_outputs() makes, or empty folders that ensure_output_folders() makes when a first
  // run does not complete. Creating them here as folders only to swap them for links at once
  // (a mkdir, an exchange and an rmdir each) took an eighth of the service's CPU in a storm of
  // first runs.
  // Fails with kInvalidArgument naming the folder and where it leads when one escapes; with
  // kUnavailable when a folder cannot be created.
  Result<RunFolders> prepare(const std::optional<TeamId>& team,
                             std::string_view pipeline = kDefaultPipeline) const;

  // How many teams' trees are remembered as found inside.
  std::size_t kept_trees() const;

  // Checks that `path` (a file or folder, which must exist) resolves inside `root` once every
  // symlink is followed. Fails with kInvalidArgument naming both paths.
  static Status check_inside(const std::filesystem::path& path, const std::filesystem::path& root);

 private:
  // The team's folders, created when missing, when the kernel finds each inside the team's tree
  // (openat2 from the folder above): about 20 system calls, where the walk by path that prepare()
  // falls back to takes about 150, and was a fifth of the service's CPU in a storm of runs.
  // std::nullopt sends prepare() down that walk, which decides and says why.
  std::optional<RunFolders> prepare_through_descriptors(TeamId team,
                                                        std::string_view pipeline) const;
  // The team's `daily` folders when its tree is kept and still the one found, else std::nullopt.
  std::optional<RunFolders> prepare_kept(TeamId team) const;

  std::filesystem::path input_root_;
  std::filesystem::path output_root_;
  std::unique_ptr<KeptTrees> kept_;
};

}  // namespace orch::pipeline
