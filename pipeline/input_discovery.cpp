#include "pipeline/input_discovery.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "pipeline/team_tree.h"

namespace orch::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHashChunkBytes = std::size_t{64} * 1024;
// Stands for the date in a name pattern; NUL cannot occur in a file name, so no real name clashes.
constexpr std::string_view kDatePlaceholder{"\0date\0", 6};
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

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The number written by the `width` digits at `pos`, if they are all digits.
std::optional<unsigned> read_number(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (!is_digit(text[i])) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

std::optional<Date> make_date(unsigned y, unsigned m, unsigned d) {
  // Years outside 1900-2999 are far more likely serial numbers or amounts than dates.
  if (y < 1900 || y > 2999) {
    return std::nullopt;
  }
  Date date{date::year(static_cast<int>(y)), date::month(m), date::day(d)};
  return date.ok() ? std::optional<Date>(date) : std::nullopt;
}

// A date written at `pos` as YYYY-MM-DD (length 10) or YYYYMMDD (length 8).
std::optional<std::pair<Date, std::size_t>> date_at(std::string_view name, std::size_t pos) {
  auto y = read_number(name, pos, 4);
  if (!y) {
    return std::nullopt;
  }
  if (pos + 4 < name.size() && name[pos + 4] == '-') {
    auto m = read_number(name, pos + 5, 2);
    auto d = read_number(name, pos + 8, 2);
    if (m && d && name[pos + 7] == '-') {
      if (auto date = make_date(*y, *m, *d)) {
        return std::pair{*date, std::size_t{10}};
      }
    }
    return std::nullopt;
  }
  auto m = read_number(name, pos + 4, 2);
  auto d = read_number(name, pos + 6, 2);
  if (m && d) {
    if (auto date = make_date(*y, *m, *d)) {
      return std::pair{*date, std::size_t{8}};
    }
  }
  return std::nullopt;
}

struct DatedName {
  Date date;
  std::string pattern;  // the name with its date replaced by kDatePlaceholder
};

// The first date in `name` that is not part of a longer run of digits: "loans_20261120.csv" and
// "loans_2026-11-20.csv" are dated, "batch_202611201.csv" is not.
std::optional<DatedName> find_date(std::string_view name) {
  for (std::size_t pos = 0; pos < name.size(); ++pos) {
    if (!is_digit(name[pos]) || (pos > 0 && is_digit(name[pos - 1]))) {
      continue;
    }
    auto found = date_at(name, pos);
    if (!found) {
      continue;
    }
    std::size_t end = pos + found->second;
    if (end < name.size() && is_digit(name[end])) {
      continue;
    }
    std::string pattern(name.substr(0, pos));
    pattern += kDatePlaceholder;
    pattern += name.substr(end);
    return DatedName{found->first, std::move(pattern)};
  }
  return std::nullopt;
}

struct Candidate {
  std::string name;
  fs::path path;
  std::optional<DatedName> dated;
};

// The regular files of the folder that are not hidden or partial. Directories, sockets and
// dangling symlinks are not inputs; a symlink that leads outside the tree is refused outright,
// whether or not it would have been picked, so that a planted link never goes unnoticed.
Result<std::vector<Candidate>> list_candidates(const fs::path& folder, const fs::path& tree_root) {
  std::vector<Candidate> candidates;
  std::error_code ec;
  fs::directory_iterator it(folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::string name = entry.path().filename().string();
    if (is_ignored_name(name)) {
      continue;
    }
    std::error_code type_ec;
    fs::file_status status = entry.status(type_ec);  // follows a symlink
    if (type_ec && status.type() != fs::file_type::not_found) {
      return unavailable("cannot read input " + entry.path().string() + ": " + type_ec.message());
    }
    if (!fs::is_regular_file(status)) {
      continue;
    }
    if (entry.is_symlink(type_ec)) {
      if (Status inside = TeamTree::check_inside(entry.path(), tree_root); !inside) {
        return inside.error();  // It names the input, the tree and where the link leads.
      }
    }
    candidates.push_back({name, entry.path(), find_date(name)});
  }
  if (ec) {
    return unavailable("cannot list input folder " + folder.string() + ": " + ec.message());
  }
  return candidates;
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

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ScopedFd(ScopedFd&&) = delete;
  ScopedFd& operator=(ScopedFd&&) = delete;

  int get() const { return fd_; }

 private:
  int fd_;
};

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

std::string to_hex(const unsigned char* bytes, unsigned length) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{2} * length);
  for (unsigned i = 0; i < length; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0x0f];
  }
  return hex;
}

Error read_error(const fs::path& path, int error) {
  return unavailable("cannot read input " + path.string() + ": " +
                     std::error_code(error, std::generic_category()).message());
}

// Size, modification time and SHA-256 all come from one open descriptor, so they describe the
// same file even if the name is replaced meanwhile.
Result<InputFile> describe(Candidate c) {
  ScopedFd fd(::open(c.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return read_error(c.path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return read_error(c.path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return unavailable("input " + c.path.string() + " stopped being a regular file while read");
  }
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return internal_error("cannot set up SHA-256 (OpenSSL EVP)");
  }
  std::vector<unsigned char> buffer(kHashChunkBytes);
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return read_error(c.path, errno);
    }
    if (n == 0) {
      break;
    }
    if (EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n)) != 1) {
      return internal_error("SHA-256 of " + c.path.string() + " failed (OpenSSL EVP)");
    }
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1) {
    return internal_error("SHA-256 of " + c.path.string() + " failed (OpenSSL EVP)");
  }
  InputFile file;
  file.name = std::move(c.name);
  file.path = std::move(c.path);
  file.size = static_cast<std::uint64_t>(st.st_size);
  file.modified = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::sys_seconds(std::chrono::seconds(st.st_mtim.tv_sec)) +
      std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  file.sha256 = to_hex(digest.data(), length);
  return file;
}

}  // namespace

Result<std::vector<InputFile>> discover_inputs(const DiscoveryRequest& request) {
  std::error_code ec;
  fs::path folder = fs::absolute(request.folder, ec);
  if (ec) {
    return unavailable("cannot resolve input folder " + request.folder.string() + ": " +
                       ec.message());
  }
  fs::file_status status = fs::status(folder, ec);
  if (status.type() == fs::file_type::not_found) {
    return unavailable("input folder " + folder.string() + " does not exist");
  }
  if (ec) {
    return unavailable("cannot read input folder " + folder.string() + ": " + ec.message());
  }
  if (!fs::is_directory(status)) {
    return unavailable("input folder " + folder.string() + " is not a folder");
  }
  if (Status inside = TeamTree::check_inside(folder, request.tree_root); !inside) {
    return inside.error();
  }

  auto candidates = list_candidates(folder, request.tree_root);
  if (!candidates) {
    return candidates.error();
  }
  auto [kept, too_new] = select_by_date(std::move(*candidates), request.run_date);
  // Checked before hashing: a missing input should fail fast, not after reading gigabytes.
  if (Status s = check_required(request.required, kept, too_new, folder, request.run_date); !s) {
    return s.error();
  }

  std::vector<InputFile> inputs;
  inputs.reserve(kept.size());
  for (Candidate& c : kept) {
    auto file = describe(std::move(c));
    if (!file) {
      return file.error();
    }
    inputs.push_back(std::move(*file));
  }
  return inputs;
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
    array.push_back({{"name", input->name},
                     {"path", input->path.string()},
                     {"size", input->size},
                     {"modified", format_utc(input->modified)},
                     {"sha256", input->sha256}});
  }
  // A file name need not be UTF-8; replacing bad bytes keeps dump() from throwing.
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace orch::pipeline
