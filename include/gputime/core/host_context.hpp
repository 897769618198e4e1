// SPDX-License-Identifier: MIT
// gputime/core/host_context.hpp - what machine and build a measurement came from, and whether the
// host is set up to time reliably.
//
// A number without its context cannot be compared later: the same model is 2x apart on two
// CPUs, and a debug build is not a release build. read_host_context() gathers what Google
// Benchmark and nvbench print in their headers: host name, date, CPU model and core count, the
// Linux CPU frequency governor and turbo state, the compiler and build type. host_hints() warns
// as Google Benchmark does ("CPU scaling is enabled") when the governor lets the CPU clock
// wander, which moves host-side timings (enqueue, framework overhead) from run to run, and
// records the load average (/proc/loadavg, as Google Benchmark's context does): when more
// runnable threads than cores compete for the CPU, host-side times stretch by the queueing, so
// host_hints() says so when the load (at the start, or at the end via record_load_at_end())
// exceeds the core count.
// The Linux files are read under a root directory (default "/"), so tests can give a fake one.
// Nothing here throws: what cannot be read is left empty.
#pragma once

#include <gputime/core/version.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#if defined(__has_include)
#if __has_include(<unistd.h>)
#include <unistd.h>
#define GPUTIME_DETAIL_HAVE_UNISTD 1
#endif
#endif
// The core count as std::thread::hardware_concurrency() reads it on glibc (get_nprocs), without
// <thread>; elsewhere from <thread>.
#if defined(__GLIBC__)
#include <sys/sysinfo.h>
#else
#include <thread>
#endif

namespace gputime {

/// The kernel's load average: runnable (and uninterruptible) threads, averaged over 1, 5 and 15
/// minutes (Linux /proc/loadavg).
struct LoadAverage {
    double one_minute = 0.0;       ///< The 1-minute average.
    double five_minutes = 0.0;     ///< The 5-minute average.
    double fifteen_minutes = 0.0;  ///< The 15-minute average.
};

/// The machine and build a measurement came from (read_host_context()); empty where unknown.
struct HostContext {
    std::string host_name;                          ///< gethostname().
    std::string date_utc;                           ///< ISO 8601, e.g. "2026-11-22T04:17:18Z".
    std::string cpu_model;                          ///< "AMD EPYC 7B13", from /proc/cpuinfo.
    unsigned logical_cores = 0;                     ///< std::thread::hardware_concurrency().
    std::string scaling_governor;                   ///< "performance", "powersave", "schedutil"...; empty when unknown.
    std::optional<bool> turbo;                      ///< CPU boost on/off when the kernel says.
    std::string compiler;                           ///< "g++ 12.2.0", "clang++ 14.0.6".
    std::string build_type;                         ///< "optimised (NDEBUG)" or "debug (assertions on)".
    std::string library_version = GPUTIME_VERSION;  ///< The gputime version that measured.
    std::optional<LoadAverage> load;                ///< When the context was read: the start of a run.
    std::optional<LoadAverage> load_at_end;         ///< record_load_at_end(), after the run.
};

namespace detail {

// <cstdio> rather than <fstream> (a large part of a light header's compile time).
class ReadFile {
public:
    explicit ReadFile(const std::string& path) noexcept : file_(std::fopen(path.c_str(), "rb")) {}
    ReadFile(const ReadFile&) = delete;
    ReadFile& operator=(const ReadFile&) = delete;
    ~ReadFile() {
        if (file_ != nullptr) std::fclose(file_);
    }
    std::FILE* get() const noexcept { return file_; }
    explicit operator bool() const noexcept { return file_ != nullptr; }
    /// The next line, without its '\n', as std::getline reads it: false at the end of the file
    /// (or when it could not be opened) with nothing read.
    bool getline(std::string& line) {
        line.clear();
        if (file_ == nullptr) return false;
        int c = 0;
        bool read = false;
        while ((c = std::getc(file_)) != EOF) {
            read = true;
            if (c == '\n') return true;
            line += static_cast<char>(c);
        }
        return read;
    }
    void rewind() noexcept {
        if (file_ != nullptr) std::rewind(file_);
    }

private:
    std::FILE* file_;
};

inline std::string first_line_of(const std::string& path) {
    ReadFile in(path);
    std::string line;
    in.getline(line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

inline std::string cpu_model_from(const std::string& cpuinfo_path) {
    ReadFile in(cpuinfo_path);
    std::string line;
    // x86 says "model name", ARM "Model" or only "CPU part"; the first known key wins.
    for (const char* key : {"model name", "Model", "cpu model", "Hardware"}) {
        in.rewind();
        while (in.getline(line)) {
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

// "0.52 0.58 0.59 1/467 12345": the first three fields; nothing when they do not parse.
inline std::optional<LoadAverage> load_average_from(const std::string& loadavg_path) {
    const ReadFile in(loadavg_path);
    LoadAverage l;
    // Three decimal numbers; "inf" and the like, which fscanf takes and a stream does not, refused.
    if (!in || std::fscanf(in.get(), "%lf %lf %lf", &l.one_minute, &l.five_minutes, &l.fifteen_minutes) != 3)
        return std::nullopt;
    if (!std::isfinite(l.one_minute) || !std::isfinite(l.five_minutes) || !std::isfinite(l.fifteen_minutes))
        return std::nullopt;
    if (!(l.one_minute >= 0.0 && l.five_minutes >= 0.0 && l.fifteen_minutes >= 0.0)) return std::nullopt;
    return l;
}

inline std::string fixed2(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", x);
    return buffer;
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

/// The load average now, from `root`/proc/loadavg; nothing where there is no such file.
inline std::optional<LoadAverage> read_load_average(const std::string& root = "/") {
    const std::string base = root.empty() || root.back() != '/' ? root + "/" : root;
    return detail::load_average_from(base + "proc/loadavg");
}

/// Reads the load average again at the end of a run, into c.load_at_end.
inline void record_load_at_end(HostContext& c, const std::string& root = "/") {
    c.load_at_end = read_load_average(root);
}

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
#if defined(__GLIBC__)
    const int cores = get_nprocs();
    c.logical_cores = cores > 0 ? static_cast<unsigned>(cores) : 0u;
#else
    c.logical_cores = std::thread::hardware_concurrency();
#endif
    c.scaling_governor = detail::first_line_of(base + "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    // intel_pstate says no_turbo (1 = off); acpi-cpufreq and amd-pstate say boost (1 = on).
    const std::string no_turbo = detail::first_line_of(base + "sys/devices/system/cpu/intel_pstate/no_turbo");
    const std::string boost = detail::first_line_of(base + "sys/devices/system/cpu/cpufreq/boost");
    if (no_turbo == "0" || no_turbo == "1") c.turbo = no_turbo == "0";
    else if (boost == "0" || boost == "1") c.turbo = boost == "1";
    c.load = detail::load_average_from(base + "proc/loadavg");
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
        hints.push_back(
            "CPU turbo/boost is on: the host clock depends on temperature and load; "
            "disable it for A/B comparisons of host-bound code");
    // The 1-minute average, at the start and at the end: a run of seconds to minutes sits inside it.
    const bool loaded_at_start = c.load && c.logical_cores > 0 && c.load->one_minute > c.logical_cores;
    const bool loaded_at_end = c.load_at_end && c.logical_cores > 0 && c.load_at_end->one_minute > c.logical_cores;
    if (loaded_at_start || loaded_at_end) {
        std::string when;
        if (c.load) when += detail::fixed2(c.load->one_minute) + " at the start";
        if (c.load && c.load_at_end) when += ", ";
        if (c.load_at_end) when += detail::fixed2(c.load_at_end->one_minute) + " at the end";
        hints.push_back("the machine was busy: load average " + when + " for " + std::to_string(c.logical_cores) +
                        " cores; other work competed for the CPU, so host-side times (enqueue, framework "
                        "overhead, CPU inference) are stretched; measure on an idle machine");
    }
    if (c.build_type.rfind("debug", 0) == 0)
        hints.push_back(
            "this program was built without NDEBUG (a debug build): host-side numbers do not "
            "describe an optimised build");
    return hints;
}

}  // namespace gputime
