// Landlock through its three system calls (glibc has no wrappers). The constants of ABIs newer
// than the installed <linux/landlock.h> are spelled here: they are part of the kernel's stable ABI.
#include "pipeline/landlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

namespace orch::pipeline {
namespace {

// struct landlock_ruleset_attr as of ABI 6; older kernels read only its first 8 or 16 bytes.
struct RulesetAttr {
  std::uint64_t handled_access_fs = 0;
  std::uint64_t handled_access_net = 0;  // ABI 4
  std::uint64_t scoped = 0;              // ABI 6
};

// struct landlock_path_beneath_attr, which the kernel declares packed.
struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access = 0;
  std::int32_t parent_fd = -1;
};

constexpr unsigned kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;

constexpr std::uint64_t kExecute = 1ULL << 0;
constexpr std::uint64_t kWriteFile = 1ULL << 1;
constexpr std::uint64_t kReadFile = 1ULL << 2;
constexpr std::uint64_t kReadDir = 1ULL << 3;
constexpr std::uint64_t kRemoveDir = 1ULL << 4;
constexpr std::uint64_t kRemoveFile = 1ULL << 5;
constexpr std::uint64_t kMakeChar = 1ULL << 6;
constexpr std::uint64_t kMakeDir = 1ULL << 7;
constexpr std::uint64_t kMakeReg = 1ULL << 8;
constexpr std::uint64_t kMakeSock = 1ULL << 9;
constexpr std::uint64_t kMakeFifo = 1ULL << 10;
constexpr std::uint64_t kMakeBlock = 1ULL << 11;
constexpr std::uint64_t kMakeSym = 1ULL << 12;
constexpr std::uint64_t kRefer = 1ULL << 13;     // ABI 2
constexpr std::uint64_t kTruncate = 1ULL << 14;  // ABI 3
constexpr std::uint64_t kIoctlDev = 1ULL << 15;  // ABI 5

constexpr std::uint64_t kScopeAbstractUnixSocket = 1ULL << 0;  // ABI 6
constexpr std::uint64_t kScopeSignal = 1ULL << 1;              // ABI 6

// The only rights a rule on a single file (not a folder) may carry.
constexpr std::uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

constexpr std::uint64_t kReadRights = kExecute | kReadFile | kReadDir;
// Symbolic links and devices stay refused even in the run folder: a link made there could point
// the published outputs at another team's files.
constexpr std::uint64_t kWriteRights = kReadRights | kWriteFile | kRemoveDir | kRemoveFile |
                                       kMakeDir | kMakeReg | kMakeSock | kMakeFifo | kRefer |
                                       kTruncate | kIoctlDev;

// Everything the kernel of `abi` can restrict on files.
std::uint64_t handled_fs(int abi) {
  std::uint64_t rights = kExecute | kWriteFile | kReadFile | kReadDir | kRemoveDir | kRemoveFile |
                         kMakeChar | kMakeDir | kMakeReg | kMakeSock | kMakeFifo | kMakeBlock |
                         kMakeSym;
  if (abi >= 2) {
    rights |= kRefer;
  }
  if (abi >= 3) {
    rights |= kTruncate;
  }
  if (abi >= 5) {
    rights |= kIoctlDev;
  }
  return rights;
}

// Device files a program expects to open whatever its sandbox: reading from nothing, writing
// into nothing, and randomness.
constexpr std::array<const char*, 5> kDevices = {"/dev/null", "/dev/zero", "/dev/full",
                                                 "/dev/random", "/dev/urandom"};

// `path` opened for a rule (O_PATH, the last component not followed) and whether it is a folder;
// a descriptor of -1 when it grants nothing: it does not exist, or is a symbolic link (a team's
// own folder swapped for a link to another team's between the checks and this open would
// otherwise hand that one over; the system's /bin -> usr/bin and the like are granted through
// /usr).
Result<std::pair<OwnedFd, bool>> open_for_rule(const std::filesystem::path& path) {
  OwnedFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) {
    return std::pair<OwnedFd, bool>{OwnedFd(), false};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return unavailable("cannot look at " + path.string() +
                       " for the sandbox: " + std::generic_category().message(errno));
  }
  if (S_ISLNK(st.st_mode)) {
    return std::pair<OwnedFd, bool>{OwnedFd(), false};
  }
  return std::pair<OwnedFd, bool>{std::move(fd), S_ISDIR(st.st_mode)};
}

Status add_rule_at(int ruleset, HeldPaths::Held at, const std::filesystem::path& path,
                   std::uint64_t rights, std::uint64_t handled) {
  PathBeneathAttr rule;
  rule.allowed_access = rights & handled & (at.directory ? ~0ULL : kFileRights);
  rule.parent_fd = at.fd;
  if (::syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &rule, 0) != 0) {
    return unavailable("cannot allow " + path.string() +
                       " in the sandbox: " + std::generic_category().message(errno));
  }
  return {};
}

// The rule for `path`, from its held descriptor when there is one.
Status add_rule(int ruleset, const std::filesystem::path& path, std::uint64_t rights,
                std::uint64_t handled, const HeldPaths* held) {
  if (auto at = held != nullptr ? held->find(path) : std::nullopt) {
    return add_rule_at(ruleset, *at, path, rights, handled);
  }
  auto opened = open_for_rule(path);
  if (!opened) {
    return opened.error();
  }
  if (!opened->first.valid()) {
    return {};
  }
  return add_rule_at(ruleset, {opened->first.get(), opened->second}, path, rights, handled);
}

}  // namespace

HeldPaths::HeldPaths(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> all(kDevices.begin(), kDevices.end());
  all.insert(all.end(), paths.begin(), paths.end());
  for (const auto& path : all) {
    auto opened = open_for_rule(path);
    if (opened && opened->first.valid()) {
      held_.push_back(Entry{path, std::move(opened->first), opened->second});
    }
  }
}

std::optional<HeldPaths::Held> HeldPaths::find(const std::filesystem::path& path) const {
  for (const Entry& entry : held_) {
    if (entry.path.native() == path.native()) {
      return Held{entry.fd.get(), entry.directory};
    }
  }
  return std::nullopt;
}

Result<int> landlock_abi() {
  static const Result<int> asked = []() -> Result<int> {
    const std::int64_t abi =
        ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    if (abi >= 1) {
      return static_cast<int>(abi);
    }
    switch (errno) {
      case ENOSYS:
        return unavailable("the kernel has no Landlock (Linux 5.13 or later has it)");
      case EOPNOTSUPP:
        return unavailable("Landlock is turned off in this kernel (see lsm= on its command line)");
      default:
        return unavailable(std::string("cannot ask the kernel for Landlock: ") +
                           std::generic_category().message(errno));
    }
  }();
  return asked;
}

Result<OwnedFd> landlock_ruleset(const Sandbox& sandbox, int abi) {
  RulesetAttr attr;
  attr.handled_access_fs = handled_fs(abi);
  std::size_t size = sizeof(attr.handled_access_fs);
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    size = sizeof(attr);
  }
  const std::int64_t fd = ::syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (fd < 0) {
    return unavailable(std::string("cannot create the pipeline's sandbox: ") +
                       std::generic_category().message(errno));
  }
  OwnedFd ruleset(static_cast<int>(fd));
  for (const char* device : kDevices) {
    if (auto added = add_rule(ruleset.get(), device, kReadFile | kWriteFile | kIoctlDev,
                              attr.handled_access_fs, sandbox.held.get());
        !added) {
      return added.error();
    }
  }
  for (const auto& path : sandbox.read_only) {
    if (auto added =
            add_rule(ruleset.get(), path, kReadRights, attr.handled_access_fs, sandbox.held.get());
        !added) {
      return added.error();
    }
  }
  for (const auto& path : sandbox.read_write) {
    if (auto added =
            add_rule(ruleset.get(), path, kWriteRights, attr.handled_access_fs, sandbox.held.get());
        !added) {
      return added.error();
    }
  }
  return ruleset;
}

}  // namespace orch::pipeline
