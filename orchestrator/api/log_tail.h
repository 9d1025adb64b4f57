#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "config/base/result.h"
#include "config/base/run_records.h"

namespace orch::api {

// The pipeline log of `run`, whole or its last `lines` lines (at most the last 64 MiB). Only a
// file inside `output_dir` is read, whatever the row says. kNotFound, naming the run, when it
// has no log (it never started a pipeline) or the file is gone.
Result<std::string> run_log_text(const RunRecord& run, const std::filesystem::path& output_dir,
                                 std::optional<std::int64_t> lines);

}  // namespace orch::api
