// SPDX-License-Identifier: MIT
// gputime::cuda_status::is_sticky (gputime/core/cuda_status.hpp) against CUDA's own words: the codes
// whose description in driver_types.h says the process "must be terminated and relaunched".
#include "support/test_framework.hpp"

#include <gputime/core/cuda_status.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

// driver_types.h of the toolkit found on this machine, or "" (then the comparison is skipped).
std::string driver_types_path() {
    std::vector<std::string> roots;
    for (const char* variable : {"CUDA_PATH", "CUDA_HOME", "CUDAToolkit_ROOT"})
        if (const char* root = std::getenv(variable)) roots.push_back(root);
    roots.push_back("/usr/local/cuda");
    roots.push_back("/usr");
    for (const std::string& root : roots) {
        const std::string path = root + "/include/driver_types.h";
        if (std::ifstream(path).good()) return path;
    }
    return {};
}

// Every enumerator of `enum cudaError`, with the doc comment before it, normalised to one line.
std::map<int, std::string> cuda_errors(const std::string& text) {
    std::map<int, std::string> out;
    const std::size_t begin = text.find("enum __device_builtin__ cudaError");
    const std::size_t end = text.find("};", begin);
    if (begin == std::string::npos || end == std::string::npos) return out;
    std::size_t at = begin;
    for (;;) {
        const std::size_t open = text.find("/**", at);
        if (open == std::string::npos || open > end) break;
        const std::size_t close = text.find("*/", open);
        std::string comment;
        for (char c : text.substr(open + 3, close - open - 3)) {
            if (c == '*' || c == '\n' || c == '\r' || c == '\t') c = ' ';
            if (c == ' ' && !comment.empty() && comment.back() == ' ') continue;
            comment += c;
        }
        // "cudaErrorName = 123," follows the comment.
        std::istringstream rest(text.substr(close + 2, 200));
        std::string name, equals;
        int value = -1;
        if (rest >> name >> equals >> value && equals == "=") out[value] = name + ":" + comment;
        at = close + 2;
    }
    return out;
}

}  // namespace

TEST_CASE("cuda_status::is_sticky: the thirteen codes CUDA 13 documents as ending the process's use of CUDA") {
    using gputime::cuda_status::is_sticky;
    for (int code : {226, 700, 702, 710, 714, 715, 716, 717, 718, 719, 721, 810, 911}) {
        INFO(code);
        CHECK(is_sticky(code));
    }
    // Errors of one call: invalid value, handle, not ready, out of resources, peer access,
    // every stream-capture error, cooperative launch too large, the MPS errors the client survives.
    for (int code : {0,   1,   2,   35,  100, 101, 214, 400, 401, 600, 701, 704, 709, 713, 720,
                     722, 800, 801, 809, 811, 900, 901, 906, 907, 908, 909, 910, 912, 999}) {
        INFO(code);
        CHECK_FALSE(is_sticky(code));
    }
}

TEST_CASE("cuda_status::is_sticky agrees with driver_types.h of the toolkit on this machine") {
    const std::string path = driver_types_path();
    if (path.empty()) {
        WARN("no driver_types.h found (CUDA_PATH, CUDA_HOME, /usr/local/cuda, /usr): comparison skipped");
        return;
    }
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    const std::map<int, std::string> errors = cuda_errors(text.str());
    INFO(path);
    REQUIRE(errors.size() > 100);  // CUDA 13 names 130 codes: the parser found the enum
    REQUIRE(errors.count(719) == 1);
    std::size_t sticky = 0;
    for (const auto& entry : errors) {
        // a copy, not a structured binding: C++17 lambdas (inside the check macros) cannot capture those
        const int code = entry.first;
        const std::string& description = entry.second;
        const bool documented = description.find("must be terminated and relaunched") != std::string::npos;
        INFO(code << " " << description);
        CHECK(gputime::cuda_status::is_sticky(code) == documented);
        sticky += documented ? 1 : 0;
    }
    CHECK(sticky >= 13);
}
