// SPDX-License-Identifier: MIT
// The host context read from a fake /proc and /sys tree: the CPU model, governor and turbo
// state are taken from the files the kernel writes, and the hints follow Google Benchmark's.
#include "support/test_framework.hpp"

#include <gputime/core/host_context.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {
struct FakeRoot {
    fs::path dir;
    explicit FakeRoot(const std::string& name) : dir(fs::temp_directory_path() / ("gputime_host_context_" + name)) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~FakeRoot() { fs::remove_all(dir); }
    void write(const std::string& relative, const std::string& text) const {
        const fs::path p = dir / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
    }
};

bool mentions(const std::vector<std::string>& hints, const std::string& text) {
    for (const std::string& h : hints)
        if (h.find(text) != std::string::npos) return true;
    return false;
}
}  // namespace

TEST_CASE("host context: an x86 machine with intel_pstate, powersave and turbo on") {
    FakeRoot root("x86");
    root.write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\n\n"
                               "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\n");
    root.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "powersave\n");
    root.write("sys/devices/system/cpu/intel_pstate/no_turbo", "0\n");
    const gputime::HostContext c = gputime::read_host_context(root.dir.string());
    CHECK(c.cpu_model == "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
    CHECK(c.scaling_governor == "powersave");
    REQUIRE(c.turbo.has_value());
    CHECK(*c.turbo);
    CHECK(c.library_version == GPUTIME_VERSION);
    CHECK(c.date_utc.size() == 20);  // 2026-11-22T04:17:18Z
    CHECK(c.date_utc.back() == 'Z');
    CHECK(c.compiler.find('.') != std::string::npos);
    const auto hints = gputime::host_hints(c);
    CHECK(mentions(hints, "CPU frequency scaling is enabled (governor 'powersave')"));
    CHECK(mentions(hints, "turbo/boost is on"));
}

TEST_CASE("host context: the performance governor with boost off gives no CPU hint") {
    FakeRoot root("perf");
    root.write("proc/cpuinfo", "processor\t: 0\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n");
    root.write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
    root.write("sys/devices/system/cpu/cpufreq/boost", "0\n");
    const gputime::HostContext c = gputime::read_host_context(root.dir.string());
    CHECK(c.cpu_model == "Raspberry Pi 4 Model B Rev 1.4");
    REQUIRE(c.turbo.has_value());
    CHECK_FALSE(*c.turbo);
    const auto hints = gputime::host_hints(c);
    CHECK_FALSE(mentions(hints, "frequency scaling"));
    CHECK_FALSE(mentions(hints, "turbo"));
}

TEST_CASE("host context: a machine that exposes nothing leaves the fields empty") {
    FakeRoot root("empty");
    const gputime::HostContext c = gputime::read_host_context(root.dir.string());
    CHECK(c.cpu_model.empty());
    CHECK(c.scaling_governor.empty());
    CHECK_FALSE(c.turbo.has_value());
    CHECK_FALSE(mentions(gputime::host_hints(c), "frequency scaling"));
}
