// SPDX-License-Identifier: MIT
// tests/support/golden_file.hpp - approval ("golden file") checks of whole outputs.
//
//   CHECK_GOLDEN("report_run.txt", text);
//
// compares `text` byte for byte with tests/golden/report_run.txt. A report is read by people
// and parsed by tools: a substring probe ("calls/s" appears somewhere) misses a shifted column,
// a lost line or a changed unit, a whole-file comparison does not.
// When an output changes on purpose, approve the new one and review the diff in git:
//   GPUTIME_APPROVE=1 ctest -R "golden|gputime_compare"   (or GPUTIME_APPROVE=1 tests/gputime_tests "golden*")
// rewrites every golden file a test compares with, and the check passes. A mismatch writes the
// output to golden_actual/<name> under the working directory (ctest runs in the build tree) and
// reports the first line that differs.
// The golden directory is found from this file's own path (tests/golden next to tests/support);
// GPUTIME_GOLDEN_DIR overrides it.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace gputime_test {

inline std::filesystem::path golden_dir() {
    if (const char* dir = std::getenv("GPUTIME_GOLDEN_DIR"); dir != nullptr && *dir != '\0') return dir;
    return std::filesystem::path(__FILE__).parent_path().parent_path() / "golden";
}

inline bool approving() {
    const char* approve = std::getenv("GPUTIME_APPROVE");
    return approve != nullptr && *approve != '\0' && std::string(approve) != "0";
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// What a golden comparison found: empty when the output matches (or was approved), else a
/// message naming the first differing line.
inline std::string golden_mismatch(const std::string& name, const std::string& actual) {
    const std::filesystem::path path = golden_dir() / name;
    if (approving()) {
        write_file(path, actual);
        return {};
    }
    if (!std::filesystem::exists(path))
        return "no golden file " + path.string() + " yet: run with GPUTIME_APPROVE=1 to create it";
    const std::string expected = read_file(path);
    if (expected == actual) return {};
    write_file(std::filesystem::path("golden_actual") / name, actual);
    std::istringstream e(expected), a(actual);
    std::string el, al;
    std::size_t line = 0;
    for (;;) {
        ++line;
        const bool more_e = static_cast<bool>(std::getline(e, el));
        const bool more_a = static_cast<bool>(std::getline(a, al));
        if (!more_e && !more_a) break;
        if (!more_e || !more_a || el != al) {
            return path.string() + " differs at line " + std::to_string(line) +
                   "\n  expected: " + (more_e ? el : std::string("(end of file)")) +
                   "\n  actual:   " + (more_a ? al : std::string("(end of file)")) +
                   "\n(the whole output is in golden_actual/" + name + "; GPUTIME_APPROVE=1 approves it)";
        }
    }
    return path.string() + " differs only in its line ends or final newline";
}

}  // namespace gputime_test

/// Checks `text` against tests/golden/<name> (see the top of this file).
#define CHECK_GOLDEN(name, text)                                                                  \
    do {                                                                                          \
        const std::string gputime_golden_problem = gputime_test::golden_mismatch((name), (text)); \
        INFO(gputime_golden_problem);                                                             \
        CHECK(gputime_golden_problem.empty());                                                    \
    } while (false)
