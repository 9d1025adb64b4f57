#include "orchestrator/api/log_tail.h"

#include <fstream>

namespace orch::api {
namespace {

// A log is bounded by pipeline.log_max_bytes; this bounds one answer whatever that is.
constexpr std::uintmax_t kMaxLogBytes = std::uintmax_t{64} * 1024 * 1024;

// The last `lines` lines of the file: read backwards in blocks until enough newlines are seen.
Result<std::string> read_tail(const std::filesystem::path& path,
                              std::optional<std::int64_t> lines) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return not_found("the log file is gone");
  }
  std::ifstream in(path, std::ios::binary);
  in.seekg(0, std::ios::end);
  auto end = in.tellg();
  if (!in || end < 0) {
    return not_found("the log file cannot be read");
  }
  auto size = static_cast<std::uintmax_t>(end);
  std::uintmax_t from = size > kMaxLogBytes ? size - kMaxLogBytes : 0;
  if (lines) {
    constexpr std::uintmax_t kBlock = std::uintmax_t{64} * 1024;
    std::uintmax_t at = size;
    std::int64_t seen = 0;
    std::string block;
    bool done = false;
    while (!done && at > from) {
      std::uintmax_t step = std::min(kBlock, at - from);
      at -= step;
      block.resize(static_cast<std::size_t>(step));
      in.seekg(static_cast<std::streamoff>(at));
      in.read(block.data(), static_cast<std::streamsize>(step));
      for (std::size_t i = block.size(); i-- > 0;) {
        // The file's final newline ends its last line rather than starting another.
        if (block[i] != '\n' || at + i == size - 1) {
          continue;
        }
        if (++seen == *lines) {
          from = at + i + 1;
          done = true;
          break;
        }
      }
    }
  }
  std::string out(static_cast<std::size_t>(size - from), '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(from));
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

}  // namespace

Result<std::string> run_log_text(const RunRecord& run, const std::filesystem::path& output_dir,
                                 std::optional<std::int64_t> lines) {
  if (run.log_path.empty()) {
    return not_found("run " + run.run_id.str() + " has no log (it never started a pipeline)");
  }
  // The path comes from the database: only a file inside the output tree is ever read.
  auto path = std::filesystem::path(run.log_path).lexically_normal();
  auto inside = path.lexically_relative(output_dir);
  if (!path.is_absolute() || inside.empty() || *inside.begin() == "..") {
    return not_found("run " + run.run_id.str() + " has no log inside the output folder");
  }
  auto text = read_tail(path, lines);
  if (!text) {
    return not_found("run " + run.run_id.str() + ": " + text.error().message);
  }
  return text;
}

}  // namespace orch::api
