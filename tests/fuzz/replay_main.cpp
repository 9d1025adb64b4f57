// Feeds every file of the given corpus folders (and files) to the fuzz target linked in, once
// each, without libFuzzer: how the seed corpora run as ordinary tests in the g++ debug build.
// Exit 0 when every input passed; a failed check aborts, naming itself on stderr.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path given = argv[i];
    std::error_code ec;
    if (fs::is_directory(given, ec)) {
      for (const auto& entry : fs::directory_iterator(given)) {
        if (entry.is_regular_file()) {
          inputs.push_back(entry.path());
        }
      }
    } else if (fs::is_regular_file(given, ec)) {
      inputs.push_back(given);
    } else {
      std::cerr << "replay: " << given.string() << " is neither a folder nor a file\n";
      return 2;
    }
  }
  if (inputs.empty()) {
    std::cerr << "replay: no inputs given (usage: replay CORPUS_FOLDER|FILE...)\n";
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  for (const fs::path& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (!in.good() && !in.eof()) {
      std::cerr << "replay: cannot read " << input.string() << "\n";
      return 2;
    }
    std::cerr << "replay: " << input.filename().string() << "\n";
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::cout << "replay: " << inputs.size() << " inputs passed\n";
  return 0;
}
