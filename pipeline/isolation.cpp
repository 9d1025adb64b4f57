#include "pipeline/isolation.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "pipeline/command_lookup.h"
#include "pipeline/landlock.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

// What a program and a shell need to start and run: the system's programs, libraries and their
// configuration (/etc: the loader's cache, locales, time zones, name service). Not /proc: another
// process's /proc/<pid>/environ (the service's holds its database URL and passwords) was readable
// from a sandbox on a 6.18 kernel. orchestrator-sandbox grants the pipeline its own /proc/<pid>.
constexpr std::array<const char*, 9> kSystemReadPaths = {
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt"};

// How deep a granted folder is split around the service's files before it is left out whole.
constexpr int kMaxSplitDepth = 8;

// `path` is `root` or lies beneath it (both canonical).
bool is_within(const fs::path& path, const fs::path& root) {
  auto p = path.begin();
  for (auto r = root.begin(); r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) {
      return false;
    }
  }
  return true;
}

// `path` lies in a folder `granted` already lists: a rule of its own would add nothing.
bool covered(const fs::path& path, const std::vector<fs::path>& granted) {
  return std::any_of(granted.begin(), granted.end(),
                     [&](const fs::path& g) { return is_within(path, g); });
}

fs::path canonical_or_same(const fs::path& path) {
  std::error_code ec;
  fs::path out = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : out;
}

// The service's own files, which no pipeline may reach: the input and output trees, the SQLite
// database's folder (its journal and WAL files sit beside it) and the configuration file.
std::vector<fs::path> service_files(const config::Config& config) {
  std::vector<fs::path> out{canonical_or_same(config.paths.input_dir),
                            canonical_or_same(config.paths.output_dir)};
  const std::string& url = config.database.url;
  for (std::string_view scheme : {"sqlite://", "sqlite:"}) {
    if (url.starts_with(scheme)) {
      out.push_back(canonical_or_same(fs::path(url.substr(scheme.size())).parent_path()));
      break;
    }
  }
  if (config.source_file) {
    out.push_back(canonical_or_same(*config.source_file));
  }
  return out;
}

// Adds `path` to `out`, or, when it holds any of `kept_out`, what lies beside them in it.
void add_around(const fs::path& path, const std::vector<fs::path>& kept_out,
                std::vector<fs::path>& out, int depth = 0) {
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec) {
    return;  // missing: nothing to grant
  }
  if (std::any_of(kept_out.begin(), kept_out.end(),
                  [&](const fs::path& k) { return is_within(real, k); })) {
    return;
  }
  if (std::none_of(kept_out.begin(), kept_out.end(),
                   [&](const fs::path& k) { return is_within(k, real); })) {
    out.push_back(real);
    return;
  }
  if (depth >= kMaxSplitDepth || !fs::is_directory(real, ec)) {
    return;
  }
  for (fs::directory_iterator it(real, ec), end; !ec && it != end; it.increment(ec)) {
    add_around(it->path(), kept_out, out, depth + 1);
  }
}

}  // namespace

Result<IsolationInForce> settle_isolation(const config::Config& config) {
  IsolationInForce out;
  const config::PipelineConfig& pipeline = config.pipeline;
  if (pipeline.isolation == config::Isolation::kNone) {
    out.reason = "pipeline.isolation = \"none\"";
  } else if (auto abi = landlock_abi(); !abi) {
    out.reason = abi.error().message;
  } else if (pipeline.sandbox_helper.empty() ||
             ::access(pipeline.sandbox_helper.c_str(), X_OK) != 0) {
    out.reason = "the sandbox helper " + pipeline.sandbox_helper.string() +
                 " is missing or not executable (it is installed with the orchestrator, in "
                 "lib/orchestrator/ or beside it)";
  } else {
    out.kind = config::Isolation::kLandlock;
    out.abi = *abi;
  }
  if (out.kind == config::Isolation::kNone && pipeline.isolation_required) {
    return invalid_argument(
        "configuration: pipeline.isolation_required = true "
        "(PIPELINE_ISOLATION_REQUIRED), but pipelines cannot be isolated: " +
        out.reason);
  }
  const auto kept_out = service_files(config);
  for (const fs::path& path : pipeline.read_paths) {
    const fs::path real = canonical_or_same(path);
    for (const fs::path& kept : kept_out) {
      if (is_within(real, kept) || is_within(kept, real)) {
        return invalid_argument("configuration: pipeline.read_paths: " + path.string() +
                                " is not allowed: it would let every pipeline read " +
                                kept.string() +
                                ", the service's own files; use folders apart from the input "
                                "and output trees, the database and the configuration");
      }
    }
  }
  return out;
}

std::string describe(const IsolationInForce& isolation) {
  if (isolation.kind == config::Isolation::kLandlock) {
    // What the README promises that an older kernel cannot hold, said where it is in force.
    std::string gaps;
    if (isolation.abi < 3) {
      gaps = ", which cannot refuse truncating a file by its path (Linux 6.2 can)";
    } else if (isolation.abi < 6) {
      gaps = ", which cannot keep signals inside the sandbox (Linux 6.12 can)";
    }
    return "landlock (ABI " + std::to_string(isolation.abi) + gaps + ")";
  }
  return "none (" + isolation.reason + ")";
}

std::string isolation_in_force(const config::Config& config) {
  auto settled = settle_isolation(config);
  return settled ? describe(*settled) : "refused: " + settled.error().message;
}

SandboxPlan::SandboxPlan(const config::Config& config)
    : helper_(config.pipeline.sandbox_helper), kept_out_(service_files(config)) {
  // The system's folders granted whole are held open for every run; a part of one split around
  // the service's files, and the user's read_paths, may be replaced by a deployment: opened anew
  // per run. (/bin is /usr/bin on a merged /usr: a folder beneath one granted is left out.)
  std::vector<fs::path> held;
  for (const char* path : kSystemReadPaths) {
    std::vector<fs::path> granted;
    add_around(path, kept_out_, granted);
    std::error_code ec;
    const bool whole = granted.size() == 1 && granted.front() == fs::canonical(path, ec);
    for (fs::path& part : granted) {
      if (!covered(part, read_only_)) {
        if (whole) {
          held.push_back(part);
        }
        read_only_.push_back(std::move(part));
      }
    }
  }
  std::vector<fs::path> read_paths;
  for (const fs::path& path : config.pipeline.read_paths) {
    add_around(path, kept_out_, read_paths);
  }
  for (fs::path& path : read_paths) {
    if (!covered(path, read_only_)) {
      read_only_.push_back(std::move(path));
    }
  }
  held_ = std::make_shared<const HeldPaths>(held);
}

Sandbox SandboxPlan::for_run(const ProcessSpec& spec, const RunFolders& folders,
                             const std::optional<TeamId>& team) const {
  Sandbox sandbox;
  sandbox.helper = helper_;
  sandbox.read_only = read_only_;
  sandbox.held = held_;
  if (auto exe = resolve_command(spec)) {
    std::error_code ec;
    const fs::path program = fs::canonical(*exe, ec);
    if (!ec && !covered(program, read_only_)) {
      // The program itself even where its folder holds the service's files.
      sandbox.read_only.push_back(program);
      add_around(program.parent_path(), kept_out_, sandbox.read_only);
    }
  }  // else the launcher fails the run, saying why
  sandbox.read_only.push_back(folders.input_dir);
  if (team) {
    sandbox.read_only.push_back(folders.input_root);
  }
  sandbox.read_only.push_back(spec.working_dir);
  for (const char* name : {"OUTPUT_DIR", "OUTPUT_SHARE_DIR", "TMPDIR", "RESULT_FILE"}) {
    if (auto it = spec.env.find(name); it != spec.env.end() && !it->second.empty()) {
      sandbox.read_write.emplace_back(it->second);
    }
  }
  // The published outputs of the runs this one waited for (teams update --after), read-only.
  if (auto it = spec.env.find("UPSTREAM_OUTPUT_DIRS"); it != spec.env.end()) {
    std::string_view list = it->second;
    for (std::size_t start = 0; start < list.size();) {
      std::size_t colon = list.find(':', start);
      std::string_view item = list.substr(
          start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
      // A published output is a link to the run folder that made it: the rule is for that
      // folder, and only it.
      std::error_code ec;
      fs::path folder = item.empty() ? fs::path() : fs::canonical(fs::path(item), ec);
      if (!folder.empty() && !ec) {
        sandbox.read_only.push_back(std::move(folder));
      }
      start = colon == std::string_view::npos ? list.size() : colon + 1;
    }
  }
  return sandbox;
}

}  // namespace orch::pipeline
