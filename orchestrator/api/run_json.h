#pragma once

#include <string>
#include <vector>

#include "config/base/run_records.h"
#include "notify/delivery.h"

namespace orch::api {

enum class RunDetail { kSummary, kFull };

// One run as the API shows it, a JSON object as text. kSummary leaves out the inputs (a list of
// up to pipeline.max_inputs files); kFull has them, and `notifications` when given.
std::string run_json(const RunRecord& run, RunDetail detail,
                     const std::vector<notify::DeliveryRecord>* notifications = nullptr);

}  // namespace orch::api
