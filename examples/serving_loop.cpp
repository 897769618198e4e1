// SPDX-License-Identifier: MIT
// examples/serving_loop.cpp - a model server's loop on several threads, its device and host times
// per request and per layer exported to Prometheus on /metrics.
//
//   serving_loop                                  # 4 threads, 10 s of requests, then 5 s to scrape
//   serving_loop --profile pareto --port 9400 --record-seconds 60 --linger-seconds 30
//   curl -s http://127.0.0.1:9400/metrics
//
// Each worker thread handles requests on its own simulated GPU (gputime/sim/: deterministic,
// durations drawn from a seeded distribution per profile: lognormal, bimodal or Pareto-tailed):
// four layers (embed, attention, mlp, head) launched on a stream with an event between layers,
// then one synchronisation, as a server does before it answers. It records into
// gputime::SharedBoundedStats (fixed memory per thread, whatever the uptime):
//   gputime_request_seconds{time="device"|"host"}          per request
//   gputime_layer_seconds{layer=...,time="device"|"enqueue"}  per layer
// with model and device labels. The first request of each thread pays the lazy loading of the
// kernels; it is exported as gputime_*_first_call_seconds, never mixed into the histograms.
//
// It stops by itself: requests for --record-seconds (or --requests per thread), then /metrics
// stays up for --linger-seconds so a scraper sees the final counts, then it exits (also on
// SIGINT/SIGTERM). --samples-json FILE writes, when recording stops, every request's exact
// device time (the truth a fleet-wide percentile is checked against, tests/prometheus/).
// The endpoint binds 127.0.0.1 unless --address says otherwise; its limits are in
// serving_loop_endpoint.hpp.
#include "serving_loop_endpoint.hpp"

#include <gputime/core/duration.hpp>
#include <gputime/report/prometheus.hpp>
#include <gputime/sim/runtime.hpp>
#include <gputime/stats/shared_stats.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int signal) { g_signal = signal; }

struct Options {
    std::string address = "127.0.0.1";
    int port = 0;
    int threads = 4;
    std::string profile = "lognormal";
    std::uint64_t seed = 1;
    double record_seconds = 10.0;
    long requests = 0;  // per thread; 0 = until record_seconds
    double linger_seconds = 5.0;
    double rate = 500.0;  // requests per second per thread (real time between requests)
    int classic_scale = 2;
    std::string samples_json;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "serving_loop: " << problem << "\n"
              << "usage: serving_loop [--address A] [--port P] [--threads N] [--profile lognormal|bimodal|pareto]\n"
                 "                    [--seed S] [--record-seconds T] [--requests N] [--linger-seconds T]\n"
                 "                    [--rate R] [--classic-scale S] [--samples-json FILE]\n";
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        try {
            if (a == "--address") o.address = value();
            else if (a == "--port") o.port = std::stoi(value());
            else if (a == "--threads") o.threads = std::stoi(value());
            else if (a == "--profile") o.profile = value();
            else if (a == "--seed") o.seed = std::stoull(value());
            else if (a == "--record-seconds") o.record_seconds = std::stod(value());
            else if (a == "--requests") o.requests = std::stol(value());
            else if (a == "--linger-seconds") o.linger_seconds = std::stod(value());
            else if (a == "--rate") o.rate = std::stod(value());
            else if (a == "--classic-scale") o.classic_scale = std::stoi(value());
            else if (a == "--samples-json") o.samples_json = value();
            else usage("unknown option " + a);
        } catch (const std::logic_error&) {
            usage("bad value for " + a);
        }
    }
    if (o.threads < 1 || o.threads > 64) usage("--threads must be 1..64");
    if (o.profile != "lognormal" && o.profile != "bimodal" && o.profile != "pareto")
        usage("unknown --profile " + o.profile);
    // Bounded in time, always: a forgotten server stops by itself.
    if (!(o.record_seconds > 0 && o.record_seconds <= 3600)) usage("--record-seconds must be in (0, 3600]");
    if (!(o.linger_seconds >= 0 && o.linger_seconds <= 3600)) usage("--linger-seconds must be in [0, 3600]");
    if (!(o.rate > 0 && o.rate <= 1e6)) usage("--rate must be in (0, 1e6]");
    if (o.requests < 0) usage("--requests must be >= 0");
    return o;
}

struct Layer {
    const char* name;
    double median_ns;
};
constexpr std::array<Layer, 4> layers{{{"embed", 40e3}, {"attention", 300e3}, {"mlp", 250e3}, {"head", 60e3}}};

// A layer's device time under each profile, around its median.
class LatencyProfile {
public:
    LatencyProfile(const std::string& name, std::uint64_t seed) : name_(name), rng_(seed) {}
    std::chrono::nanoseconds draw(double median_ns) {
        double x = median_ns;
        if (name_ == "lognormal") {
            x = median_ns * std::exp(0.25 * normal_(rng_));
        } else if (name_ == "bimodal") {  // 15% of calls take a slow path (a cache miss, another kernel)
            x = median_ns * (uniform_(rng_) < 0.15 ? 1.7 : 1.0) * std::exp(0.05 * normal_(rng_));
        } else {  // Pareto tail (alpha 2.5) over 80% of the median: rare, very slow calls
            x = 0.8 * median_ns * std::pow(1.0 - uniform_(rng_), -1.0 / 2.5);
        }
        return std::chrono::nanoseconds(static_cast<std::int64_t>(x));
    }

private:
    std::string name_;
    std::mt19937_64 rng_;
    std::normal_distribution<double> normal_{0.0, 1.0};
    std::uniform_real_distribution<double> uniform_{0.0, 1.0};
};

struct Metrics {
    gputime::SharedBoundedStats request_device, request_host;
    std::array<gputime::SharedBoundedStats, layers.size()> layer_device, layer_enqueue;
};

void check(int status, const char* call) {
    if (status != 0)
        throw std::runtime_error(std::string("serving_loop: ") + call + " failed with " + std::to_string(status));
}

// One worker: its own simulated GPU, requests until the deadline or its quota.
void worker(int index, const Options& o, Metrics& m, std::chrono::steady_clock::time_point deadline,
            std::vector<double>& exact_device_ns) {
    gputime::sim::Config config;
    config.lazy_load_cost = std::chrono::milliseconds(3);  // the first request loads the kernels
    gputime::sim::Runtime gpu(config);
    LatencyProfile profile(o.profile, o.seed * 1000003u + static_cast<std::uint64_t>(index));
    const gputime::sim::Stream stream = gpu.create_stream();
    std::array<gputime::sim::Event, layers.size() + 1> marks{};
    for (auto& e : marks) check(gpu.event_create(&e), "event_create");
    const auto gap = std::chrono::duration<double>(1.0 / o.rate);
    auto next = std::chrono::steady_clock::now();
    for (long n = 0;
         (o.requests == 0 || n < o.requests) && std::chrono::steady_clock::now() < deadline && g_signal == 0; ++n) {
        const auto host_start = gpu.host_now();
        std::array<double, layers.size()> enqueue_ns{};
        check(gpu.event_record(marks[0], stream), "event_record");
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const auto before = gpu.host_now();
            check(gpu.launch(stream, gputime::sim::Kernel::fixed(layers[l].name, profile.draw(layers[l].median_ns))),
                  "launch");
            enqueue_ns[l] = static_cast<double>((gpu.host_now() - before).count());
            check(gpu.event_record(marks[l + 1], stream), "event_record");
        }
        check(gpu.event_synchronize(marks.back()), "event_synchronize");  // the answer is ready
        const double host_ns = static_cast<double>((gpu.host_now() - host_start).count());
        float ms = 0;
        check(gpu.event_elapsed_ms(&ms, marks.front(), marks.back()), "event_elapsed_ms");
        const double device_ns = static_cast<double>(ms) * 1e6;
        m.request_device.add(gputime::Duration(device_ns));
        m.request_host.add(gputime::Duration(host_ns));
        for (std::size_t l = 0; l < layers.size(); ++l) {
            check(gpu.event_elapsed_ms(&ms, marks[l], marks[l + 1]), "event_elapsed_ms");
            m.layer_device[l].add(gputime::Duration(static_cast<double>(ms) * 1e6));
            m.layer_enqueue[l].add(gputime::Duration(enqueue_ns[l]));
        }
        exact_device_ns.push_back(device_ns);  // this thread's own vector: no sharing
        next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(gap);
        std::this_thread::sleep_until(next);  // requests arrive at --rate, not back to back
    }
    for (auto& e : marks) gpu.event_destroy(e);
}

void write_samples(const std::string& path, const Options& o, const std::vector<std::vector<double>>& per_thread) {
    std::ofstream out(path + ".part");
    out << "{\"profile\": \"" << o.profile << "\", \"threads\": " << per_thread.size()
        << ", \"unit\": \"ns\", \"request_device\": [";
    char buffer[40];
    for (std::size_t t = 0; t < per_thread.size(); ++t) {
        out << (t ? ", [" : "[");
        for (std::size_t i = 0; i < per_thread[t].size(); ++i) {
            std::snprintf(buffer, sizeof buffer, "%.17g", per_thread[t][i]);
            out << (i ? ", " : "") << buffer;
        }
        out << "]";
    }
    out << "]}\n";
    out.close();
    if (!out || std::rename((path + ".part").c_str(), path.c_str()) != 0)  // readers never see half a file
        throw std::runtime_error("serving_loop: cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        Metrics m;
        gputime::PrometheusRegistry registry;
        const std::vector<gputime::PrometheusLabel> base{{"model", "toy-transformer"}, {"device", "sim0"}};
        const auto with = [&](std::initializer_list<gputime::PrometheusLabel> more) {
            auto labels = base;
            labels.insert(labels.end(), more);
            return labels;
        };
        registry.add("gputime_request_seconds", "Time per request, steady state.", with({{"time", "device"}}),
                     m.request_device);
        registry.add("gputime_request_seconds", "Time per request, steady state.", with({{"time", "host"}}),
                     m.request_host);
        for (std::size_t l = 0; l < layers.size(); ++l) {
            registry.add("gputime_layer_seconds", "Time per layer, steady state.",
                         with({{"layer", layers[l].name}, {"time", "device"}}), m.layer_device[l]);
            registry.add("gputime_layer_seconds", "Time per layer, steady state.",
                         with({{"layer", layers[l].name}, {"time", "enqueue"}}), m.layer_enqueue[l]);
        }
        gputime::PrometheusClassicBuckets classic;
        classic.scale = o.classic_scale;
        classic.boundary_range();  // a bad --classic-scale fails now, not at the first scrape
        serving::MetricsEndpoint endpoint(registry, o.address, o.port, classic);
        std::cout << "serving_loop: /metrics on http://" << o.address << ":" << endpoint.port() << "/metrics ("
                  << o.threads << " threads, " << o.profile << " profile)" << std::endl;

        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                   std::chrono::duration<double>(o.record_seconds));
        std::vector<std::vector<double>> exact(static_cast<std::size_t>(o.threads));
        std::vector<std::thread> workers;
        for (int t = 0; t < o.threads; ++t)
            workers.emplace_back(worker, t, std::cref(o), std::ref(m), deadline,
                                 std::ref(exact[static_cast<std::size_t>(t)]));
        for (auto& w : workers) w.join();

        std::size_t requests = 0;
        for (const auto& v : exact) requests += v.size();
        if (!o.samples_json.empty()) write_samples(o.samples_json, o, exact);
        const auto device = m.request_device.snapshot();
        std::cout << "serving_loop: recording stopped after " << requests << " requests";
        if (device.count() != 0)
            std::cout << "; device p50 " << gputime::format_duration(device.p50()) << ", p99 "
                      << gputime::format_duration(device.p99()) << ", first call "
                      << gputime::format_duration(device.first_call());
        std::cout << std::endl;

        const auto linger_end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.linger_seconds);
        while (g_signal == 0 && std::chrono::steady_clock::now() < linger_end)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::cout << "serving_loop: " << endpoint.scrapes() << " scrapes answered, " << endpoint.refused()
                  << " requests refused; exiting" << std::endl;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
