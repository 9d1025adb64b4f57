#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/time.h"
#include "pipeline/input_snapshot.h"
#include "pipeline/input_tree.h"

namespace orch::pipeline {

// One input file a run will read.
struct InputFile {
  std::string name;                   // file name inside files_required (raw bytes)
  std::filesystem::path path;         // absolute path of its snapshot, the file the pipeline reads
  std::uint64_t size = 0;             // bytes
  SysTime modified;                   // last modification, UTC
  std::optional<std::string> sha256;  // lowercase hex; none when hashing is off
};

enum class HashInputs { kNo, kYes };

struct DiscoveryRequest {
  std::filesystem::path folder;        // the run's files_required, below tree_root
  std::filesystem::path tree_root;     // the owner's input tree: no input may lead outside
  Date run_date;                       // files dated after it are not considered
  std::vector<std::string> required;   // glob patterns (fnmatch) that must each match a file
  std::filesystem::path snapshot_dir;  // created (its parent must exist); receives the inputs
  InputOwner owner = InputOwner::kTeam;
  HashInputs hash = HashInputs::kYes;
  std::size_t max_inputs = 10000;  // more regular files than this in `folder`: refused
  WorkLimits limits;               // a stop or the deadline ends discovery
};

// Lists the regular files of `folder` (not recursive), ignoring hidden files (".name") and
// partial ones (*.tmp, *.part, *.partial, *.crdownload, *~). Where a name carries a date
// (YYYYMMDD or YYYY-MM-DD), only the newest file of each name pattern (the name with its date
// taken out) dated on or before the run date counts. Files are returned sorted by name.
//
// Each selected input is opened once, by the kernel's resolution below the tree's root
// (openat2 RESOLVE_BENEATH), checked to be a regular file through that descriptor, and put into
// `snapshot_dir` under its own name from the same descriptor (snapshot_file()): its size,
// modification time and SHA-256 are the snapshot's. Whatever is renamed or swapped in the tree
// meanwhile, the snapshot holds exactly the files that passed the checks.
//
// Fails with kInvalidArgument when a required pattern matches no file (the message names the
// pattern and the folder), when there are more than max_inputs files, or when the folder or an
// input leads outside the owner's tree; with kUnavailable when the folder or a file cannot be
// read or snapshot; with kDeadlineExceeded or kAborted as request.limits says.
Result<std::vector<InputFile>> discover_inputs(const DiscoveryRequest& request);

// Whether a run's required inputs are ready, asked while it waits for them (pipeline.
// wait_for_inputs_seconds). The files are those discover_inputs() would pick.
struct ReadinessRequest {
  std::filesystem::path folder;       // as in DiscoveryRequest
  std::filesystem::path tree_root;
  InputOwner owner = InputOwner::kTeam;
  Date run_date;
  std::vector<std::string> required;  // run-date fields already expanded
  // Set: the inputs are ready when this file is in the folder (and every pattern matches).
  // Empty: when each matching file has not changed for `settle`.
  std::string ready_marker;
  std::chrono::seconds settle{10};
  SysTime now;  // the wall clock, which file times are compared with
  std::size_t max_inputs = 10000;
};

struct Readiness {
  std::vector<std::string> missing;    // patterns with no file yet (and the marker, if missing)
  std::vector<std::string> unsettled;  // files that changed within the settle time
  // Set: it can never become ready, and says why (a run it waits for ended without completing).
  std::string blocked;
  bool ready() const { return missing.empty() && unsettled.empty() && blocked.empty(); }
  // "waiting for loans_*.csv; rates.csv still being written": for the run's error.
  std::string describe() const;
};

// Fails as discover_inputs() does for a folder it cannot read or that leads outside the tree.
Result<Readiness> check_inputs_ready(const ReadinessRequest& request);

// Whether `inputs` are the files `recorded` (a manifest_json() of an earlier run) lists: the same
// names, sizes and SHA-256 (or modification times, where either was not hashed).
bool same_inputs(const std::vector<InputFile>& inputs, const std::string& recorded);

// The inputs as a JSON array of {"name","path","size","modified","sha256"} objects ("sha256"
// left out when not hashed): what INPUT_MANIFEST points to and what the run's `inputs` column
// holds. Names and paths are written by escape_file_name(), so that each names its file.
std::string manifest_json(const std::vector<InputFile>& inputs);

}  // namespace orch::pipeline
