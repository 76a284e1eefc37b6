// A main() for the fuzz targets without libFuzzer: runs every file named on
// the command line (a directory: every file in it, sorted) once through
// LLVMFuzzerTestOneInput. The targets abort() on a broken invariant, so a
// plain g++ build, or the ASan build, checks the seed corpus in ctest.
//
//   bb_fuzz_replay_envelope tests/fuzz/corpus/envelope [more files or dirs]
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool collect(const fs::path& path, std::vector<fs::path>& files) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
        std::vector<fs::path> found;
        for (const auto& entry : fs::directory_iterator(path, error))
            if (entry.is_regular_file())
                found.push_back(entry.path());
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, error)) {
        files.push_back(path);
    } else {
        std::fprintf(stderr, "bb-fuzz-replay: %s: not a file or directory\n", path.c_str());
        return false;
    }
    return !error;
}

bool run(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
        std::fprintf(stderr, "bb-fuzz-replay: cannot read %s\n", path.c_str());
        return false;
    }
    // A heap block of exactly the input's size, as libFuzzer passes it, so
    // that ASan sees any read past the end.
    auto copy = std::make_unique<std::uint8_t[]>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), copy.get());
    std::fprintf(stderr, "bb-fuzz-replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(copy.get(), bytes.size());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 64;
    }
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i)
        if (!collect(argv[i], files))
            return 66;
    if (files.empty()) {
        std::fprintf(stderr, "bb-fuzz-replay: no input files\n");
        return 66;
    }
    for (const auto& file : files)
        if (!run(file))
            return 74;
    std::fprintf(stderr, "bb-fuzz-replay: %zu inputs passed\n", files.size());
    return 0;
}
