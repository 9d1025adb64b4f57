#include "pipeline/kept_trees.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <utility>

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

// The identity of the folder `name` in `dir` (AT_FDCWD: the working folder), itself and not
// through a symlink; std::nullopt when it is no folder.
std::optional<FolderIdentity> identity_at(int dir, const char* name) {
  struct stat st {};
  if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
    return std::nullopt;
  }
  return FolderIdentity{st.st_dev, st.st_ino};
}

// True when `path` names, itself and not through a symlink, the folder `kept`.
bool holds(const fs::path& path, const FolderIdentity& kept) {
  return identity_at(AT_FDCWD, path.c_str()) == kept;
}

}  // namespace

std::optional<FolderIdentity> folder_identity(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return std::nullopt;
  }
  return FolderIdentity{st.st_dev, st.st_ino};
}

std::optional<KeptTree> plain_tree(int input_owner, int files_required, int output_owner,
                                   int runs) {
  auto a = folder_identity(input_owner);
  auto b = folder_identity(files_required);
  auto c = folder_identity(output_owner);
  auto d = folder_identity(runs);
  if (!a || !b || !c || !d || identity_at(input_owner, "files_required") != b ||
      identity_at(output_owner, "runs") != d) {
    return std::nullopt;
  }
  return KeptTree{*a, *b, *c, *d};
}

std::optional<KeptTrees::Found> KeptTrees::still_there(TeamId team, const std::string& owner) {
  KeptTree tree;
  std::shared_ptr<const Roots> roots;
  {
    const std::lock_guard lock(mutex_);
    auto it = trees_.find(team.value);
    if (it == trees_.end()) {
      return std::nullopt;
    }
    tree = it->second;
    roots = roots_;
  }
  // Parents before children: once a parent is the kept folder, its child's name is looked up in
  // that very folder.
  const fs::path input_owner = roots->input / owner;
  const fs::path output_owner = roots->output / owner;
  if (holds(input_owner, tree.input_owner) &&
      holds(input_owner / "files_required", tree.files_required) &&
      holds(output_owner, tree.output_owner) && holds(output_owner / "runs", tree.runs)) {
    return Found{roots->input, roots->output};
  }
  const std::lock_guard lock(mutex_);
  trees_.erase(team.value);
  return std::nullopt;
}

void KeptTrees::keep(TeamId team, const KeptTree& tree, const fs::path& input_root,
                     const fs::path& output_root) {
  const std::lock_guard lock(mutex_);
  if (!roots_ || roots_->input != input_root || roots_->output != output_root) {
    trees_.clear();
    roots_ = std::make_shared<const Roots>(Roots{input_root, output_root});
  }
  if (trees_.size() >= limit_) {
    trees_.clear();  // simpler than an order of use, and a full check is what an unkept tree costs
  }
  trees_[team.value] = tree;
}

std::size_t KeptTrees::size() const {
  const std::lock_guard lock(mutex_);
  return trees_.size();
}

}  // namespace orch::pipeline
