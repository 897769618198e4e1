// SPDX-License-Identifier: MIT
// The host context read from a fake /proc and /sys tree: the CPU model, governor and turbo
// state are taken from the files the kernel writes, and the hints follow Google Benchmark's.
#include "support/test_framework.hpp"

#include <gputime/core/host_context.hpp>
#include <gputime/report/json_report.hpp>

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
    root.write("proc/cpuinfo",
               "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\n\n"
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

TEST_CASE("host context: the load average is read from /proc/loadavg, and a load above the cores is a hint") {
    FakeRoot root("loadavg");
    root.write("proc/loadavg", "6.50 3.25 1.00 7/512 4242\n");
    gputime::HostContext c = gputime::read_host_context(root.dir.string());
    REQUIRE(c.load.has_value());
    CHECK(c.load->one_minute == 6.5);
    CHECK(c.load->five_minutes == 3.25);
    CHECK(c.load->fifteen_minutes == 1.0);
    CHECK_FALSE(c.load_at_end.has_value());

    c.logical_cores = 8;  // 6.5 runnable threads on 8 cores: not loaded
    CHECK_FALSE(mentions(gputime::host_hints(c), "busy"));
    c.logical_cores = 4;  // 6.5 on 4 cores: other work competed for the CPU
    CHECK(mentions(gputime::host_hints(c), "the machine was busy: load average 6.50 at the start for 4 cores"));

    // At the end of the run the machine got busy: the hint names both readings.
    c.logical_cores = 8;
    root.write("proc/loadavg", "12.00 4.00 1.50 13/520 4300\n");
    gputime::record_load_at_end(c, root.dir.string());
    REQUIRE(c.load_at_end.has_value());
    CHECK(c.load_at_end->one_minute == 12.0);
    CHECK(mentions(gputime::host_hints(c), "load average 6.50 at the start, 12.00 at the end for 8 cores"));
    // Exactly the core count is not above it.
    root.write("proc/loadavg", "8.00 4.00 1.50 9/520 4300\n");
    gputime::record_load_at_end(c, root.dir.string());
    CHECK_FALSE(mentions(gputime::host_hints(c), "busy"));
}

TEST_CASE("host context: no load average without /proc/loadavg, or when it does not parse") {
    FakeRoot root("no_loadavg");
    gputime::HostContext c = gputime::read_host_context(root.dir.string());
    CHECK_FALSE(c.load.has_value());
    CHECK_FALSE(gputime::read_load_average(root.dir.string()).has_value());
    c.logical_cores = 1;
    CHECK_FALSE(mentions(gputime::host_hints(c), "busy"));
    for (const char* text : {"", "garbage", "1.0 2.0", "-1.0 0.5 0.5 1/2 3", "nan 1 1 1/1 1"}) {
        INFO(text);
        root.write("proc/loadavg", text);
        CHECK_FALSE(gputime::read_load_average(root.dir.string()).has_value());
    }
}

TEST_CASE("host context: the JSON report records the load at the start, and again at the end") {
    gputime::JsonOptions options;
    gputime::RunContext context;  // made by hand: no load average, so nothing about it is written
    context.host.logical_cores = 4;
    options.context = context;
    const std::string without = gputime::JsonReport(options).str();
    CHECK(without.find("load_average") == std::string::npos);
    CHECK(without.find("context_at_end") == std::string::npos);

    gputime::LoadAverage busy;
    busy.one_minute = 6.5;
    busy.five_minutes = 3.25;
    busy.fifteen_minutes = 1.0;
    context.host.load = busy;
    options.context = context;
    const std::string with = gputime::JsonReport(options).str();
    CHECK(with.find("\"load_average\": [6.5, 3.25, 1]") != std::string::npos);
    CHECK(with.find("the machine was busy: load average 6.50 at the start for 4 cores") != std::string::npos);
    // The end is read from this machine's /proc/loadavg when it has one.
    CHECK((with.find("\"context_at_end\"") != std::string::npos) == gputime::read_load_average().has_value());
}
