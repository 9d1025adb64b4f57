#pragma once

#include <filesystem>
#include <string>

namespace orch::testing {

// A fresh folder under /tmp, removed with everything in it when the object goes away; a file in it
// that holds a sanitizer report then fails the test (see sanitizer_report.h).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent folders.
void write_file(const std::filesystem::path& path, const std::string& content);
// The whole content of `path` ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace orch::testing
