#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace sigflow::test {

// Repository paths, for fixtures and shipped files.
std::filesystem::path source_dir();
std::filesystem::path fixture(const std::string& relative);  // under tests/fixtures
std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& content);
// The non-empty lines of a text (JSON lines output).
std::vector<std::string> lines_of(const std::string& text);

// A fresh directory under the system temp dir, removed with the object.
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

}  // namespace sigflow::test
