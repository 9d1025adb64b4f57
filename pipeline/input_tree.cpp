#include "pipeline/input_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>
#include <system_error>
#include <utility>

#include <linux/openat2.h>

#include "pipeline/open_below.h"
#include "pipeline/team_tree.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

// As glibc's own readdir: a buffer that holds a typical folder in one read.
constexpr std::size_t kListingBuffer = 32768;

std::string reason(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// The target of the symlink `name` in the folder `dir`, for a message; "" when it is none.
std::string link_target(int dir, const char* name) {
  std::array<char, 4096> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): readlink fills
  ssize_t size = ::readlinkat(dir, name, buffer.data(), buffer.size());
  if (size <= 0 || static_cast<std::size_t>(size) >= buffer.size()) {
    return "";
  }
  return {buffer.data(), static_cast<std::size_t>(size)};
}

}  // namespace

Result<InputTree> InputTree::open(const fs::path& folder, const fs::path& tree_root,
                                  InputOwner owner) {
  std::error_code ec;
  InputTree tree;
  tree.owner_ = owner;
  tree.shown_root_ = fs::absolute(tree_root, ec);
  if (!ec) {
    tree.shown_folder_ = fs::absolute(folder, ec);
  }
  if (ec) {
    return unavailable("cannot resolve input folder " + folder.string() + ": " + ec.message());
  }
  tree.below_ = tree.shown_folder_.lexically_relative(tree.shown_root_);
  if (tree.below_.empty() || *tree.below_.begin() == ".." || tree.below_ == ".") {
    return internal_error("input folder " + tree.shown_folder_.string() + " is not below " +
                          tree.shown_root_.string());
  }
  tree.root_ = OwnedFd(::open(tree.shown_root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!tree.root_.valid()) {
    if (errno == ENOENT) {
      return unavailable("input folder " + tree.shown_folder_.string() + " does not exist");
    }
    return unavailable("cannot open input tree " + tree.shown_root_.string() + ": " +
                       reason(errno));
  }
  tree.folder_ = OwnedFd(
      open_below(tree.root_.get(), tree.below_.c_str(), O_RDONLY | O_DIRECTORY, RESOLVE_BENEATH));
  if (!tree.folder_.valid()) {
    const int error = errno;
    if (error == ENOENT) {
      return unavailable("input folder " + tree.shown_folder_.string() + " does not exist");
    }
    if (error == ENOTDIR) {
      return unavailable("input folder " + tree.shown_folder_.string() + " is not a folder");
    }
    return tree.open_error(tree.shown_folder_, error,
                           link_target(tree.root_.get(), tree.below_.c_str()));
  }
  if (Status s = tree.check_owner(tree.folder_.get(), tree.shown_folder_); !s) {
    return s.error();
  }
  return tree;
}

Result<std::vector<std::string>> InputTree::list(
    const std::function<bool(std::string_view)>& ignored, std::size_t max_inputs) const {
  // The folder's own descriptor, read from its start: no second descriptor nor a DIR stream for
  // a listing that is read once.
  if (::lseek(folder_.get(), 0, SEEK_SET) != 0) {
    return unavailable("cannot list input folder " + shown_folder_.string() + ": " + reason(errno));
  }
  std::vector<std::string> names;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): getdents64 fills it
  alignas(dirent64) std::array<char, kListingBuffer> buffer;
  for (;;) {
    const ssize_t got = ::getdents64(folder_.get(), buffer.data(), buffer.size());
    if (got < 0) {
      return unavailable("cannot list input folder " + shown_folder_.string() + ": " +
                         reason(errno));
    }
    if (got == 0) {
      return names;
    }
    for (ssize_t at = 0; at < got;) {
      const auto* entry = reinterpret_cast<const dirent64*>(buffer.data() + at);
      at += entry->d_reclen;
      if (Status s = add_input(entry->d_name, entry->d_type, ignored, max_inputs, names); !s) {
        return s.error();
      }
    }
  }
}

// Adds the entry `name` of the listing to `names` when it is an input.
Status InputTree::add_input(std::string name, unsigned char type,
                            const std::function<bool(std::string_view)>& ignored,
                            std::size_t max_inputs, std::vector<std::string>& names) const {
  if (name == "." || name == ".." || ignored(name)) {
    return {};
  }
  auto input = is_input(name, type);
  if (!input) {
    return input.error();
  }
  if (!*input) {
    return {};
  }
  // Refused as soon as the count is passed: a folder of a million files costs no more.
  if (names.size() == max_inputs) {
    return invalid_argument("input folder " + shown_folder_.string() + " holds more than " +
                            std::to_string(max_inputs) +
                            " input files (pipeline.max_inputs allows that many); refused");
  }
  names.push_back(std::move(name));
  return {};
}

Result<OwnedFd> InputTree::open_input(const std::string& name, struct stat& st) const {
  const fs::path shown = shown_folder_ / name;
  // O_NONBLOCK: a FIFO swapped in for a file must not hang the open; fstat refuses it next.
  OwnedFd fd(open_below_root(name, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) {
    const int error = errno;
    if (error == ENOENT) {
      return unavailable("input " + shown.string() + " disappeared while it was read");
    }
    return open_error(shown, error, link_target(folder_.get(), name.c_str()));
  }
  if (::fstat(fd.get(), &st) != 0) {
    return unavailable("cannot read input " + shown.string() + ": " + reason(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return unavailable("input " + shown.string() + " stopped being a regular file while read");
  }
  if (Status s = check_owner(fd.get(), shown); !s) {
    return s.error();
  }
  return fd;
}

// An absolute symlink, which the kernel refuses below a root, is given one more chance as the
// path below the root it names, so that absolute links inside the tree keep working; the kernel
// still checks every step of that path.
int InputTree::open_below_root(const std::string& name, int flags) const {
  const fs::path path = below_ / name;
  int fd = open_below(root_.get(), path.c_str(), flags, RESOLVE_BENEATH);
  if (fd >= 0 || errno != EXDEV) {
    return fd;
  }
  const fs::path target = fs::path(link_target(folder_.get(), name.c_str())).lexically_normal();
  const fs::path& root = real_root();
  const fs::path inside = root.empty() ? fs::path() : target.lexically_relative(root);
  if (!target.is_absolute() || inside.empty() || *inside.begin() == ".." || inside == ".") {
    errno = EXDEV;
    return -1;
  }
  return open_below(root_.get(), inside.c_str(), flags, RESOLVE_BENEATH);
}

Error InputTree::open_error(const fs::path& shown, int error, const std::string& target) const {
  switch (error) {
    case EXDEV:
      return invalid_argument(shown.string() + " leads outside " + shown_root_.string() +
                              (target.empty() ? "" : " (a symlink to " + target + ")") +
                              "; refused");
    case ELOOP:
      return invalid_argument(shown.string() + " has too many levels of symlinks; refused");
    case ENOSYS:
      return unavailable("cannot open " + shown.string() +
                         ": input discovery needs openat2 (Linux 5.6 or later)");
    default:
      return unavailable("cannot read input " + shown.string() + ": " + reason(error));
  }
}

// The kernel says where the open file is, so no rename after the open changes the verdict.
Status InputTree::check_owner(int fd, const fs::path& shown) const {
  if (owner_ != InputOwner::kGeneral) {
    return {};
  }
  auto where = descriptor_path(fd);
  if (!where) {
    return invalid_argument("cannot tell where " + shown.string() + " leads; refused");
  }
  const fs::path& root = real_root();
  if (root.empty()) {
    return invalid_argument("cannot tell where input tree " + shown_root_.string() +
                            " is; refused");
  }
  const fs::path below = where->lexically_relative(root);
  if (!below.empty() && *below.begin() != ".." && is_team_folder_name(below.begin()->string())) {
    return invalid_argument(shown.string() + " leads into a team's tree (to " + where->string() +
                            "), and the general run reads only its own inputs; refused");
  }
  return {};
}

// Asked of the kernel only when needed (an absolute symlink, the general run's check): a team's
// run of plain files never needs it. "" when /proc cannot say.
const fs::path& InputTree::real_root() const {
  if (!real_root_) {
    real_root_ = descriptor_path(root_.get()).value_or(fs::path());
  }
  return *real_root_;
}

Result<bool> InputTree::is_input(const std::string& name, unsigned char type) const {
  if (type == DT_UNKNOWN) {
    struct stat st {};
    if (::fstatat(folder_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) {
        return false;
      }
      return unavailable("cannot read input " + (shown_folder_ / name).string() + ": " +
                         reason(errno));
    }
    type = S_ISREG(st.st_mode) ? DT_REG : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
  }
  if (type != DT_LNK) {
    return type == DT_REG;
  }
  const fs::path shown = shown_folder_ / name;
  OwnedFd target(open_below_root(name, O_PATH));
  if (!target.valid()) {
    const int error = errno;
    struct stat st {};
    if (error == ENOENT ||
        (::fstatat(folder_.get(), name.c_str(), &st, 0) != 0 && errno == ENOENT)) {
      return false;  // dangling, wherever it points
    }
    return open_error(shown, error, link_target(folder_.get(), name.c_str()));
  }
  struct stat st {};
  if (::fstat(target.get(), &st) != 0) {
    return unavailable("cannot read input " + shown.string() + ": " + reason(errno));
  }
  if (Status s = check_owner(target.get(), shown); !s) {
    return s.error();
  }
  return S_ISREG(st.st_mode);
}

}  // namespace orch::pipeline
