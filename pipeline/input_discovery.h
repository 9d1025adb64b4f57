#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "config/base/result.h"
#include "config/base/time.h"

namespace orch::pipeline {

// One input file a run will read.
struct InputFile {
  std::string name;             // file name inside files_required, e.g. "loans_20261120.csv"
  std::filesystem::path path;   // absolute path
  std::uint64_t size = 0;       // bytes
  SysTime modified;             // last modification, UTC
  std::string sha256;           // lowercase hex
};

struct DiscoveryRequest {
  std::filesystem::path folder;             // the run's files_required
  std::filesystem::path tree_root;          // the owner's input tree: no input may lead outside
  Date run_date;                            // files dated after it are not considered
  std::vector<std::string> required;        // glob patterns (fnmatch) that must each match a file
};

// Lists the regular files of `folder` (not recursive), ignoring hidden files (".name") and
// partial ones (*.tmp, *.part, *.partial, *.crdownload, *~). Where a name carries a date
// (YYYYMMDD or YYYY-MM-DD), only the newest file of each name pattern (the name with its date
// taken out) dated on or before the run date counts. Files are returned sorted by name, each with
// its SHA-256.
//
// Fails with kInvalidArgument when a required pattern matches no file (the message names the
// pattern and the folder) or when an input is a symlink that leads outside `tree_root`; with
// kUnavailable when the folder or a file cannot be read.
Result<std::vector<InputFile>> discover_inputs(const DiscoveryRequest& request);

// The inputs as a JSON array of {"name","path","size","modified","sha256"} objects: what
// INPUT_MANIFEST points to and what the run's `inputs` column holds.
std::string manifest_json(const std::vector<InputFile>& inputs);

}  // namespace orch::pipeline
