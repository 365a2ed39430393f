#pragma once
// Shared by the libFuzzer harnesses of the readers: a scratch file per process for the readers
// that only read files.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace metalearn::fuzz {

/// A folder of this process in memory (/dev/shm) when there is one, else under the temp folder;
/// removed at exit.
inline const std::filesystem::path& scratch_dir() {
    struct Dir {
        std::filesystem::path path;
        Dir() {
            std::error_code ec;
            const std::filesystem::path shm("/dev/shm");
            const auto base = std::filesystem::is_directory(shm, ec) && ::access("/dev/shm", W_OK) == 0
                                  ? shm
                                  : std::filesystem::temp_directory_path();
            path = base / ("metalearn_fuzz_" + std::to_string(::getpid()));
            std::filesystem::create_directories(path);
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Dir dir;
    return dir.path;
}

/// Write the fuzzer's bytes to `name` in the scratch folder; returns the path.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const auto path = scratch_dir() / name;
    // A new file each time: truncating and rewriting one makes some file systems (ext4's
    // auto_da_alloc) flush it to disk on close, which slows fuzzing a hundredfold.
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

}  // namespace metalearn::fuzz
