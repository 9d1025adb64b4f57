#include "pipeline/input_discovery.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/base/owned_fd.h"
#include "pipeline/input_dates.h"
#include "pipeline/input_names.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

// What downloaders and editors leave behind while a file is still being written.
constexpr std::array<std::string_view, 5> kPartialSuffixes = {".tmp", ".part", ".partial",
                                                              ".crdownload", "~"};

bool is_ignored_name(std::string_view name) {
  if (name.empty() || name.front() == '.') {
    return true;
  }
  return std::any_of(kPartialSuffixes.begin(), kPartialSuffixes.end(),
                     [&](std::string_view suffix) { return name.ends_with(suffix); });
}

struct Candidate {
  std::string name;
  std::optional<DatedName> dated;
};

std::string reason(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// Keeps the undated files and, per name pattern, the newest dated file not after the run date.
// Returns the kept files sorted by name, and the files skipped for being dated after the run.
std::pair<std::vector<Candidate>, std::vector<Candidate>> select_by_date(
    std::vector<Candidate> candidates, Date run_date) {
  std::vector<Candidate> kept;
  std::vector<Candidate> too_new;
  std::map<std::string, Candidate> newest;  // by pattern
  for (Candidate& c : candidates) {
    if (!c.dated) {
      kept.push_back(std::move(c));
      continue;
    }
    if (c.dated->date > run_date) {
      too_new.push_back(std::move(c));
      continue;
    }
    auto [it, inserted] = newest.try_emplace(c.dated->pattern, c);
    // The same day written both ways ("20261120", "2026-11-20") ties: the greater name wins, so
    // that the choice does not depend on the order the folder is listed in.
    if (!inserted &&
        std::pair(c.dated->date, c.name) > std::pair(it->second.dated->date, it->second.name)) {
      it->second = std::move(c);
    }
  }
  for (auto& [pattern, c] : newest) {
    kept.push_back(std::move(c));
  }
  auto by_name = [](const Candidate& a, const Candidate& b) { return a.name < b.name; };
  std::sort(kept.begin(), kept.end(), by_name);
  std::sort(too_new.begin(), too_new.end(), by_name);
  return {std::move(kept), std::move(too_new)};
}

bool glob_matches(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

Status check_required(const std::vector<std::string>& required, const std::vector<Candidate>& kept,
                      const std::vector<Candidate>& too_new, const fs::path& folder,
                      Date run_date) {
  for (const std::string& pattern : required) {
    auto matches = [&](const Candidate& c) { return glob_matches(pattern, c.name); };
    if (std::any_of(kept.begin(), kept.end(), matches)) {
      continue;
    }
    std::string message = "required input \"" + pattern + "\" not found in " + folder.string();
    // The likeliest confusion: the file is there, but dated after the run (e.g. a backfill).
    auto later = std::find_if(too_new.begin(), too_new.end(), matches);
    if (later != too_new.end()) {
      message += " (" + later->name + " is dated after the run date " + format_date(run_date) + ")";
    }
    return invalid_argument(std::move(message));
  }
  return {};
}

SysTime to_sys_time(const struct timespec& t) {
  return std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::sys_seconds(std::chrono::seconds(t.tv_sec)) +
      std::chrono::nanoseconds(t.tv_nsec));
}

SysTime modification_time(const struct stat& st) {
  return to_sys_time(st.st_mtim);
}

// When the file's inode last changed: a file moved into the folder keeps its old modification
// time, but its change time is the move's.
SysTime status_change_time(const struct stat& st) {
  return to_sys_time(st.st_ctim);
}

// Opens each input once, checks it through its descriptor, and snapshots it from there.
Result<std::vector<InputFile>> snapshot_inputs(const InputTree& tree,
                                               const std::vector<Candidate>& kept,
                                               const DiscoveryRequest& request, int snapshot_dir,
                                               const fs::path& snapshot_path) {
  std::vector<InputFile> inputs;
  inputs.reserve(kept.size());
  for (const Candidate& c : kept) {
    const std::string shown = (tree.folder() / c.name).string();
    if (Status s = request.limits.check("snapshotting input " + shown); !s) {
      return s.error();
    }
    struct stat st {};
    auto fd = tree.open_input(c.name, st);
    if (!fd) {
      return fd.error();
    }
    auto kind = snapshot_file(fd->get(), snapshot_dir, c.name, request.limits, shown);
    if (!kind) {
      return kind.error();
    }
    InputFile file;
    file.name = c.name;
    file.path = snapshot_path / c.name;
    file.size = static_cast<std::uint64_t>(st.st_size);
    file.modified = modification_time(st);
    inputs.push_back(std::move(file));
  }
  return inputs;
}

// Hashes each snapshot: what the pipeline will read, not whatever the tree holds by then.
Status hash_snapshots(std::vector<InputFile>& inputs, const DiscoveryRequest& request,
                      int snapshot_dir) {
  FileHasher hasher;
  for (InputFile& file : inputs) {
    const std::string shown = file.path.string();
    OwnedFd fd(
        ::openat(snapshot_dir, file.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
      return unavailable("cannot read input snapshot " + shown + ": " + reason(errno));
    }
    if (!S_ISREG(st.st_mode)) {
      return unavailable("input snapshot " + shown + " is no longer a regular file");
    }
    auto digest = hasher.hash(fd.get(), request.limits, shown);
    if (!digest) {
      return digest.error();
    }
    file.sha256 = std::move(digest->sha256);
    file.size = digest->bytes;  // what the hash covers, should a hard-linked file grow meanwhile
    file.modified = modification_time(st);
  }
  return {};
}

// The folder's inputs as select_by_date() keeps them, and those dated after the run.
Result<std::pair<std::vector<Candidate>, std::vector<Candidate>>> select_inputs(
    const InputTree& tree, std::size_t max_inputs, Date run_date) {
  auto names = tree.list(is_ignored_name, max_inputs);
  if (!names) {
    return names.error();
  }
  std::vector<Candidate> candidates;
  candidates.reserve(names->size());
  for (std::string& name : *names) {
    std::optional<DatedName> dated = find_name_date(name);
    candidates.push_back({std::move(name), std::move(dated)});
  }
  return select_by_date(std::move(candidates), run_date);
}

}  // namespace

Result<std::vector<InputFile>> discover_inputs(const DiscoveryRequest& request) {
  auto tree = InputTree::open(request.folder, request.tree_root, request.owner);
  if (!tree) {
    return tree.error();
  }
  auto selected = select_inputs(*tree, request.max_inputs, request.run_date);
  if (!selected) {
    return selected.error();
  }
  auto& [kept, too_new] = *selected;
  // Checked before hashing: a missing input should fail fast, not after reading gigabytes.
  if (Status s = check_required(request.required, kept, too_new, tree->folder(), request.run_date);
      !s) {
    return s.error();
  }

  std::error_code ec;
  const fs::path snapshot_path = fs::absolute(request.snapshot_dir, ec);
  if (ec || ::mkdir(snapshot_path.c_str(), 0755) != 0) {
    return unavailable("cannot create the inputs' snapshot folder " +
                       request.snapshot_dir.string() + ": " + (ec ? ec.message() : reason(errno)));
  }
  OwnedFd snapshot_dir(
      ::open(snapshot_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!snapshot_dir.valid()) {
    return unavailable("cannot open the inputs' snapshot folder " + snapshot_path.string() + ": " +
                       reason(errno));
  }
  auto inputs = snapshot_inputs(*tree, kept, request, snapshot_dir.get(), snapshot_path);
  if (!inputs) {
    return inputs.error();
  }
  if (request.hash == HashInputs::kYes) {
    if (Status s = hash_snapshots(*inputs, request, snapshot_dir.get()); !s) {
      return s.error();
    }
  }
  return inputs;
}

std::string Readiness::describe() const {
  std::string out;
  auto list = [](const std::vector<std::string>& items) {
    std::string text;
    for (const std::string& item : items) {
      text += (text.empty() ? "" : ", ") + item;
    }
    return text;
  };
  if (!missing.empty()) {
    out = "waiting for " + list(missing);
  }
  if (!unsettled.empty()) {
    out += (out.empty() ? "" : "; ") + list(unsettled) + " still being written";
  }
  if (!blocked.empty()) {
    out += (out.empty() ? "" : "; ") + blocked;
  }
  return out;
}

Result<Readiness> check_inputs_ready(const ReadinessRequest& request) {
  auto tree = InputTree::open(request.folder, request.tree_root, request.owner);
  if (!tree) {
    return tree.error();
  }
  auto selected = select_inputs(*tree, request.max_inputs, request.run_date);
  if (!selected) {
    return selected.error();
  }
  auto& [kept, too_new] = *selected;
  Readiness readiness;
  std::vector<const Candidate*> matched;
  for (const std::string& pattern : request.required) {
    bool found = false;
    for (const Candidate& c : kept) {
      if (glob_matches(pattern, c.name)) {
        found = true;
        matched.push_back(&c);
      }
    }
    if (!found) {
      readiness.missing.push_back(pattern);
    }
  }
  if (!request.ready_marker.empty()) {
    struct stat st {};
    if (!tree->open_input(request.ready_marker, st)) {
      readiness.missing.push_back(request.ready_marker);
    }
    return readiness;
  }
  // A file still being written keeps changing: settled is unchanged for the settle time.
  for (const Candidate* c : matched) {
    struct stat st {};
    auto file = tree->open_input(c->name, st);
    if (!file) {
      readiness.missing.push_back(c->name);  // gone meanwhile
      continue;
    }
    SysTime changed = std::max(modification_time(st), status_change_time(st));
    if (request.now - changed < request.settle &&
        std::find(readiness.unsettled.begin(), readiness.unsettled.end(), c->name) ==
            readiness.unsettled.end()) {
      readiness.unsettled.push_back(c->name);
    }
  }
  return readiness;
}

bool same_inputs(const std::vector<InputFile>& inputs, const std::string& recorded) {
  nlohmann::json earlier = nlohmann::json::parse(recorded, nullptr, false);
  if (!earlier.is_array()) {
    return false;
  }
  // Compared through the same writer, so that names are escaped alike.
  nlohmann::json now = nlohmann::json::parse(manifest_json(inputs));
  if (now.size() != earlier.size()) {
    return false;
  }
  for (std::size_t i = 0; i < now.size(); ++i) {
    const auto& a = now[i];
    const auto& b = earlier[i];
    if (!b.is_object() || a.value("name", "") != b.value("name", "") ||
        a.value("size", std::uint64_t{0}) != b.value("size", std::uint64_t{1})) {
      return false;
    }
    const bool hashed = a.contains("sha256") && b.contains("sha256");
    const char* key = hashed ? "sha256" : "modified";
    if (a.value(key, std::string()) != b.value(key, std::string("?"))) {
      return false;
    }
  }
  return true;
}

std::string manifest_json(const std::vector<InputFile>& inputs) {
  std::vector<const InputFile*> sorted;
  sorted.reserve(inputs.size());
  for (const InputFile& input : inputs) {
    sorted.push_back(&input);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const InputFile* a, const InputFile* b) { return a->name < b->name; });
  nlohmann::json array = nlohmann::json::array();
  for (const InputFile* input : sorted) {
    nlohmann::json entry = {{"name", escape_file_name(input->name)},
                            {"path", escape_file_name(input->path.string())},
                            {"size", input->size},
                            {"modified", format_utc(input->modified)}};
    if (input->sha256) {
      entry["sha256"] = *input->sha256;
    }
    array.push_back(std::move(entry));
  }
  return array.dump();
}

}  // namespace orch::pipeline
