#include "orchestrator/api/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace orch::api {
namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fields of /proc/self/stat after the command name (which may hold spaces and parentheses).
std::vector<std::string> stat_fields() {
  std::string stat = read_all("/proc/self/stat");
  auto close = stat.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) {
    return fields;
  }
  std::istringstream rest(stat.substr(close + 1));
  for (std::string field; rest >> field;) {
    fields.push_back(field);
  }
  return fields;
}

std::optional<double> boot_time() {
  std::istringstream lines(read_all("/proc/stat"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("btime ", 0) == 0) {
      return std::stod(line.substr(6));
    }
  }
  return std::nullopt;
}

}  // namespace

void write_process_metrics(PrometheusText& out) {
  using Type = PrometheusText::Type;
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // After the name: state is field 3, so field n of proc(5) is fields[n - 3].
  auto fields = stat_fields();
  auto field = [&fields](std::size_t n) -> std::optional<double> {
    if (n < 3 || n - 3 >= fields.size()) {
      return std::nullopt;
    }
    return std::stod(fields[n - 3]);
  };
  auto utime = field(14);
  auto stime = field(15);
  if (utime && stime) {
    out.family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               Type::kCounter);
    out.sample("process_cpu_seconds_total", {}, (*utime + *stime) / ticks);
  }
  auto start = field(22);
  auto boot = boot_time();
  if (start && boot) {
    out.family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", Type::kGauge);
    out.sample("process_start_time_seconds", {}, *boot + *start / ticks);
  }
  if (auto vsize = field(23)) {
    out.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::kGauge);
    out.sample("process_virtual_memory_bytes", {}, *vsize);
  }
  if (auto rss = field(24)) {
    out.family("process_resident_memory_bytes", "Resident memory size in bytes.", Type::kGauge);
    out.sample("process_resident_memory_bytes", {}, *rss * page);
  }
  std::error_code ec;
  std::size_t open = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++open;
  }
  if (!ec) {
    out.family("process_open_fds", "Number of open file descriptors.", Type::kGauge);
    out.sample("process_open_fds", {}, static_cast<double>(open));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.family("process_max_fds", "Maximum number of open file descriptors.", Type::kGauge);
    out.sample("process_max_fds", {}, static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace orch::api
