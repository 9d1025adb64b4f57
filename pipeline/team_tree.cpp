#include "pipeline/team_tree.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <string>
#include <system_error>
#include <utility>

#include <linux/openat2.h>

#include "config/base/owned_fd.h"
#include "pipeline/kept_trees.h"
#include "pipeline/open_below.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

// Linux gives up after 40 symlinks (ELOOP); so do we, which also ends symlink cycles.
constexpr int kMaxSymlinkHops = 40;
constexpr std::string_view kTeamFolderPrefix = "sales_team_";
// Where the pipelines other than `daily` keep their outputs and run folders, in an owner's tree.
constexpr std::string_view kPipelinesFolder = "pipelines";

// True when `path` is `root` or below it. Both must be canonical. Components are compared, not
// strings, so that /a/b2 is not taken to be inside /a/b.
bool is_within(const fs::path& path, const fs::path& root) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

Result<fs::path> canonical_root(const fs::path& root) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec);
  if (!ec) {
    absolute = fs::weakly_canonical(absolute, ec);
  }
  if (ec) {
    return unavailable("cannot resolve folder " + root.string() + ": " + ec.message());
  }
  return absolute;
}

// Where `path` leads once every symlink is followed, including a dangling one, with the part that
// does not exist yet kept as written. This is where create_directories would create folders, so
// checking it first refuses an escape before anything is created outside the tree
// (fs::weakly_canonical stops at a dangling symlink and would miss one leading to /etc/new).
Result<fs::path> where_it_leads(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) {
    return unavailable("cannot resolve " + path.string() + ": " + ec.message());
  }
  const fs::path relative = absolute.relative_path();
  std::deque<fs::path> todo(relative.begin(), relative.end());
  fs::path done = absolute.root_path();
  int hops = 0;
  while (!todo.empty()) {
    fs::path part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      done = done.parent_path();  // `done` has no symlinks left, so its parent is the real one.
      continue;
    }
    fs::path next = done / part;
    fs::file_status status = fs::symlink_status(next, ec);
    if (ec && status.type() != fs::file_type::not_found) {
      return unavailable("cannot resolve " + path.string() + ": " + ec.message());
    }
    if (status.type() == fs::file_type::not_found) {
      // Nothing below a missing folder exists either: the rest is taken as written.
      for (const fs::path& rest : todo) {
        next /= rest;
      }
      return next.lexically_normal();
    }
    if (status.type() != fs::file_type::symlink) {
      done = std::move(next);
      continue;
    }
    if (++hops > kMaxSymlinkHops) {
      return invalid_argument("cannot resolve " + path.string() + ": too many levels of symlinks");
    }
    fs::path target = fs::read_symlink(next, ec);
    if (ec) {
      return unavailable("cannot read symlink " + next.string() + ": " + ec.message());
    }
    if (target.is_absolute()) {
      done = target.root_path();
    }
    const fs::path target_parts = target.relative_path();
    todo.insert(todo.begin(), target_parts.begin(), target_parts.end());
  }
  return done;
}

std::string tree_name(const std::optional<TeamId>& team) {
  return team ? describe_team(team) + "'s tree" : std::string("the general run's tree");
}

// One folder to keep inside `owner_root` (canonical), and create when missing unless it is one of
// the published outputs, which publish_outputs() makes.
struct FolderCheck {
  const fs::path* folder;
  const fs::path* owner_root;
  bool create;
};

// Refuses `resolved` (where `folder` leads) unless it stays inside the owner's tree. The general
// run's tree is the root minus the teams' subtrees, so it may not lead into one of those either.
Status check_destination(const fs::path& folder, const fs::path& resolved,
                         const fs::path& owner_root, const std::optional<TeamId>& team) {
  bool inside = is_within(resolved, owner_root);
  if (inside && !team) {
    fs::path below = resolved.lexically_relative(owner_root);
    inside = below.empty() || !is_team_folder_name(below.begin()->string());
  }
  if (!inside) {
    return invalid_argument("folder " + folder.string() + " leads outside " + tree_name(team) +
                            " (to " + resolved.string() + "); refused");
  }
  return {};
}

using FolderChecks = std::array<FolderCheck, 6>;

// Where each folder leads, judged before anything is created.
Status check_before_creating(const FolderChecks& checks, const std::optional<TeamId>& team) {
  for (const FolderCheck& check : checks) {
    auto resolved = where_it_leads(*check.folder);
    if (!resolved) {
      return resolved.error();
    }
    if (Status s = check_destination(*check.folder, *resolved, *check.owner_root, team); !s) {
      return s.error();
    }
  }
  return {};
}

Status create_folders(const FolderChecks& checks) {
  for (const FolderCheck& check : checks) {
    if (!check.create) {
      continue;
    }
    std::error_code ec;
    fs::create_directories(*check.folder, ec);
    if (ec) {
      return unavailable("cannot create folder " + check.folder->string() + ": " + ec.message());
    }
  }
  return {};
}

// Checked again once everything exists, now with the kernel's own resolution: this is
// check_inside, with a message that names the owner.
Status check_after_creating(const FolderChecks& checks, const std::optional<TeamId>& team) {
  for (const FolderCheck& check : checks) {
    std::error_code ec;
    fs::path resolved = fs::canonical(*check.folder, ec);
    if (!check.create && ec == std::errc::no_such_file_or_directory) {
      continue;  // not published yet, or a dangling link that where_it_leads() found inside
    }
    if (ec) {
      return unavailable("cannot resolve folder " + check.folder->string() + ": " + ec.message());
    }
    if (Status s = check_destination(*check.folder, resolved, *check.owner_root, team); !s) {
      return s.error();
    }
  }
  return {};
}

// check_inside()'s common case in three system calls: `path` is written below `root`, and the
// kernel resolves it without leaving `root`.
bool resolves_below(const fs::path& path, const fs::path& root) {
  const fs::path below = path.lexically_relative(root);
  if (below.empty() || *below.begin() == "..") {
    return false;
  }
  OwnedFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  return root_fd.valid() &&
         OwnedFd(open_below(root_fd.get(), below.c_str(), O_PATH, RESOLVE_BENEATH)).valid();
}

RunFolders folders_on(const fs::path& input_root, const fs::path& output_root,
                      const std::optional<TeamId>& team, std::string_view pipeline) {
  RunFolders f;
  const std::string owner =
      team ? std::string(kTeamFolderPrefix) + std::to_string(team->value) : std::string();
  f.input_root = team ? input_root / owner : input_root;
  f.output_root = team ? output_root / owner : output_root;
  f.input_dir = f.input_root / "files_required";
  // Another pipeline's outputs and run folders are its own, so that publishing or pruning one
  // never touches another's; `daily` keeps the paths it had before pipelines had names.
  const fs::path place =
      pipeline == kDefaultPipeline ? f.output_root : f.output_root / kPipelinesFolder / pipeline;
  f.output_dir = place / "output";
  f.output_share_dir = place / "output_share";
  f.runs_dir = place / "runs";
  return f;
}

// The published outputs are checked where they exist; publish_outputs() makes them.
bool outputs_stay_below(int place) {
  for (const char* name : {"output", "output_share"}) {
    if (!OwnedFd(open_below(place, name, O_PATH | O_DIRECTORY, RESOLVE_BENEATH)).valid() &&
        errno != ENOENT) {
      return false;
    }
  }
  return true;
}

}  // namespace

// "sales_team_3" (any positive decimal id) names a team's subtree.
bool is_team_folder_name(std::string_view name) {
  if (name.size() <= kTeamFolderPrefix.size() || !name.starts_with(kTeamFolderPrefix)) {
    return false;
  }
  return std::all_of(name.begin() + static_cast<std::ptrdiff_t>(kTeamFolderPrefix.size()),
                     name.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

TeamTree::TeamTree(std::filesystem::path input_root, std::filesystem::path output_root)
    : input_root_(std::move(input_root)),
      output_root_(std::move(output_root)),
      kept_(std::make_unique<KeptTrees>()) {}
TeamTree::~TeamTree() = default;

RunFolders TeamTree::folders(const std::optional<TeamId>& team, std::string_view pipeline) const {
  return folders_on(input_root_, output_root_, team, pipeline);
}

std::size_t TeamTree::kept_trees() const {
  return kept_->size();
}

std::optional<RunFolders> TeamTree::prepare_kept(TeamId team) const {
  const std::string owner = std::string(kTeamFolderPrefix) + std::to_string(team.value);
  auto found = kept_->still_there(team, owner);
  if (!found) {
    return std::nullopt;
  }
  // The output links change with every run, so they are checked at every run.
  OwnedFd output_owner(
      ::open((found->output_root / owner).c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!output_owner.valid() || !outputs_stay_below(output_owner.get())) {
    return std::nullopt;
  }
  return folders_on(found->input_root, found->output_root, team, kDefaultPipeline);
}

std::optional<RunFolders> TeamTree::prepare_through_descriptors(TeamId team,
                                                                std::string_view pipeline) const {
  OwnedFd input_root(::open(input_root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  OwnedFd output_root(::open(output_root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!input_root.valid() || !output_root.valid()) {
    return std::nullopt;
  }
  auto real_input_root = descriptor_path(input_root.get());
  auto real_output_root = descriptor_path(output_root.get());
  if (!real_input_root || !real_output_root) {
    return std::nullopt;
  }
  // The team's own folder may not be a symlink at all: prepare() refuses one that leads
  // anywhere but to itself. Its folders may be symlinks that stay below it.
  const std::string owner = std::string(kTeamFolderPrefix) + std::to_string(team.value);
  OwnedFd input_owner = open_folder_below(input_root.get(), owner.c_str(), RESOLVE_NO_SYMLINKS);
  OwnedFd output_owner = open_folder_below(output_root.get(), owner.c_str(), RESOLVE_NO_SYMLINKS);
  if (!input_owner.valid() || !output_owner.valid()) {
    return std::nullopt;
  }
  // Another pipeline's folders are below pipelines/<name> of the owner's output folder.
  OwnedFd place_owner;
  int place = output_owner.get();
  if (pipeline != kDefaultPipeline) {
    OwnedFd pipelines(open_folder_below(output_owner.get(), std::string(kPipelinesFolder).c_str(),
                                        RESOLVE_BENEATH));
    if (!pipelines.valid()) {
      return std::nullopt;
    }
    place_owner =
        open_folder_below(pipelines.get(), std::string(pipeline).c_str(), RESOLVE_BENEATH);
    if (!place_owner.valid()) {
      return std::nullopt;
    }
    place = place_owner.get();
  }
  OwnedFd files_required = open_folder_below(input_owner.get(), "files_required", RESOLVE_BENEATH);
  OwnedFd runs = open_folder_below(place, "runs", RESOLVE_BENEATH);
  if (!files_required.valid() || !runs.valid() || !outputs_stay_below(place)) {
    return std::nullopt;
  }
  const auto tree =
      pipeline == kDefaultPipeline
          ? plain_tree(input_owner.get(), files_required.get(), output_owner.get(), runs.get())
          : std::nullopt;
  if (tree) {
    kept_->keep(team, *tree, *real_input_root, *real_output_root);
  }
  return folders_on(*real_input_root, *real_output_root, team, pipeline);
}

Result<RunFolders> TeamTree::prepare(const std::optional<TeamId>& team,
                                     std::string_view pipeline) const {
  if (team && team->value < 1) {
    return invalid_argument("team id " + std::to_string(team->value) +
                            " is not allowed: a team id is a positive whole number");
  }
  if (!is_pipeline_name(pipeline)) {
    return invalid_argument("pipeline name " + std::string(pipeline) +
                            " is not allowed: 1 to 40 of a-z, 0-9, '_' and '-'");
  }
  if (team) {
    auto folders = pipeline == kDefaultPipeline ? prepare_kept(*team) : std::nullopt;
    if (!folders) {
      folders = prepare_through_descriptors(*team, pipeline);
    }
    if (folders) {
      return *folders;
    }
  }
  // The configured roots may themselves be symlinks (e.g. to a bigger disk): resolve them once,
  // and build every folder on the resolved roots, so that only what lies below them is judged.
  auto input_root = canonical_root(input_root_);
  if (!input_root) {
    return input_root.error();
  }
  auto output_root = canonical_root(output_root_);
  if (!output_root) {
    return output_root.error();
  }
  RunFolders f = folders_on(*input_root, *output_root, team, pipeline);

  // Parents come before their children, so that the first refusal names the folder at fault.
  const FolderChecks checks = {{
      {&f.input_root, &f.input_root, true},
      {&f.input_dir, &f.input_root, true},
      {&f.output_root, &f.output_root, true},
      {&f.output_dir, &f.output_root, false},
      {&f.output_share_dir, &f.output_root, false},
      {&f.runs_dir, &f.output_root, true},
  }};
  if (Status s = check_before_creating(checks, team); !s) {
    return s.error();
  }
  if (Status s = create_folders(checks); !s) {
    return s.error();
  }
  if (Status s = check_after_creating(checks, team); !s) {
    return s.error();
  }
  return f;
}

Status TeamTree::check_inside(const std::filesystem::path& path,
                              const std::filesystem::path& root) {
  if (resolves_below(path, root)) {
    return {};
  }
  auto resolved_root = canonical_root(root);
  if (!resolved_root) {
    return invalid_argument("cannot check that " + path.string() + " is inside " + root.string() +
                            ": " + resolved_root.error().message);
  }
  std::error_code ec;
  fs::path resolved = fs::canonical(path, ec);
  if (ec) {
    return invalid_argument("cannot check that " + path.string() + " is inside " + root.string() +
                            ": " + ec.message());
  }
  if (!is_within(resolved, *resolved_root)) {
    return invalid_argument(path.string() + " leads outside " + root.string() + " (to " +
                            resolved.string() + "); refused");
  }
  return {};
}

}  // namespace orch::pipeline
