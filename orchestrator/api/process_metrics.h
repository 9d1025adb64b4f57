#pragma once

#include "orchestrator/api/prometheus_text.h"

namespace orch::api {

// The standard process metrics, read from /proc: process_resident_memory_bytes,
// process_virtual_memory_bytes, process_cpu_seconds_total, process_start_time_seconds,
// process_open_fds and process_max_fds. A value /proc does not give is left out.
void write_process_metrics(PrometheusText& out);

}  // namespace orch::api
