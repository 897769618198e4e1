// SPDX-License-Identifier: MIT
// gputime/core/host_context.hpp - what machine and build a measurement came from, and whether the
// host is set up to time reliably.
//
// A number without its context cannot be compared later: the same model is 2x apart on two
// CPUs, and a debug build is not a release build. read_host_context() gathers what Google
// Benchmark and nvbench print in their headers: host name, date, CPU model and core count, the
// Linux CPU frequency governor and turbo state, the compiler and build type. host_hints() warns
// as Google Benchmark does ("CPU scaling is enabled") when the governor lets the CPU clock
// wander, which moves host-side timings (enqueue, framework overhead) from run to run.
// The Linux files are read under a root directory (default "/"), so tests can give a fake one.
// Nothing here throws: what cannot be read is left empty.
#pragma once

#include <gputime/core/version.hpp>

#include <chrono>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#if defined(__has_include)
#if __has_include(<unistd.h>)
#include <unistd.h>
#define GPUTIME_DETAIL_HAVE_UNISTD 1
#endif
#endif

namespace gputime {

/// The machine and build a measurement came from (read_host_context()); empty where unknown.
struct HostContext {
    std::string host_name;         ///< gethostname().
    std::string date_utc;          ///< ISO 8601, e.g. "2026-11-22T04:17:18Z".
    std::string cpu_model;         ///< "AMD EPYC 7B13", from /proc/cpuinfo.
    unsigned logical_cores = 0;    ///< std::thread::hardware_concurrency().
    std::string scaling_governor;  ///< "performance", "powersave", "schedutil"...; empty when unknown.
    std::optional<bool> turbo;     ///< CPU boost on/off when the kernel says.
    std::string compiler;          ///< "g++ 12.2.0", "clang++ 14.0.6".
    std::string build_type;        ///< "optimised (NDEBUG)" or "debug (assertions on)".
    std::string library_version = GPUTIME_VERSION;  ///< The gputime version that measured.
};

namespace detail {

inline std::string first_line_of(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    if (in) std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

inline std::string cpu_model_from(const std::string& cpuinfo_path) {
    std::ifstream in(cpuinfo_path);
    std::string line;
    // x86 says "model name", ARM "Model" or only "CPU part"; the first known key wins.
    for (const char* key : {"model name", "Model", "cpu model", "Hardware"}) {
        in.clear();
        in.seekg(0);
        while (std::getline(in, line)) {
            if (line.compare(0, std::char_traits<char>::length(key), key) != 0) continue;
            const std::size_t colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::size_t begin = line.find_first_not_of(" \t", colon + 1);
            if (begin == std::string::npos) continue;
            return line.substr(begin);
        }
    }
    return {};
}

inline std::string compiler_description() {
#if defined(__clang__)
    return "clang++ " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
           std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
    return "g++ " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
           std::to_string(__GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
    return "MSVC " + std::to_string(_MSC_VER);
#else
    return "unknown compiler";
#endif
}

inline std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
#if defined(_WIN32)
    gmtime_s(&utc, &now);
#else
    gmtime_r(&now, &utc);
#endif
    char buffer[32];
    return std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc) > 0 ? buffer : "";
}

}  // namespace detail

/// The host's context, reading Linux's /proc and /sys under `root` ("/" normally).
inline HostContext read_host_context(const std::string& root = "/") {
    const std::string base = root.empty() || root.back() != '/' ? root + "/" : root;
    HostContext c;
#if defined(GPUTIME_DETAIL_HAVE_UNISTD)
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) c.host_name = name;
#endif
    c.date_utc = detail::utc_now_iso8601();
    c.cpu_model = detail::cpu_model_from(base + "proc/cpuinfo");
    c.logical_cores = std::thread::hardware_concurrency();
    c.scaling_governor = detail::first_line_of(base + "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    // intel_pstate says no_turbo (1 = off); acpi-cpufreq and amd-pstate say boost (1 = on).
    const std::string no_turbo = detail::first_line_of(base + "sys/devices/system/cpu/intel_pstate/no_turbo");
    const std::string boost = detail::first_line_of(base + "sys/devices/system/cpu/cpufreq/boost");
    if (no_turbo == "0" || no_turbo == "1") c.turbo = no_turbo == "0";
    else if (boost == "0" || boost == "1") c.turbo = boost == "1";
    c.compiler = detail::compiler_description();
#if defined(NDEBUG)
    c.build_type = "optimised (NDEBUG)";
#else
    c.build_type = "debug (assertions on)";
#endif
    return c;
}

/// What about the host makes host-side timings less repeatable, one sentence each.
inline std::vector<std::string> host_hints(const HostContext& c) {
    std::vector<std::string> hints;
    if (!c.scaling_governor.empty() && c.scaling_governor != "performance")
        hints.push_back("CPU frequency scaling is enabled (governor '" + c.scaling_governor +
                        "'): host-side times (enqueue, framework overhead) will vary; for stable numbers "
                        "set the 'performance' governor (cpupower frequency-set -g performance)");
    if (c.turbo.has_value() && *c.turbo)
        hints.push_back("CPU turbo/boost is on: the host clock depends on temperature and load; "
                        "disable it for A/B comparisons of host-bound code");
    if (c.build_type.rfind("debug", 0) == 0)
        hints.push_back("this program was built without NDEBUG (a debug build): host-side numbers do not "
                        "describe an optimised build");
    return hints;
}

}  // namespace gputime
