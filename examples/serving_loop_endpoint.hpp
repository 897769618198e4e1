// SPDX-License-Identifier: MIT
// examples/serving_loop_endpoint.hpp - a /metrics endpoint that is safe to leave running, on
// CivetWeb (Debian: libcivetweb-dev), for examples/serving_loop.cpp.
//
//   MetricsEndpoint endpoint(registry, "127.0.0.1", 0);   // port 0: the system picks one
//   std::cout << endpoint.port();
//
// * Answers GET /metrics only: another path is 404, another method 405, a request with more than
//   Limits::max_headers headers 431 (CivetWeb itself answers a malformed request with 400 and
//   one whose head exceeds Limits::max_request_bytes with 413/431 and closes it).
// * Bounded: Limits::threads connections are served at once, Limits::queued more wait in
//   CivetWeb's queue and the kernel's backlog holds the rest; a request not complete within
//   Limits::request_timeout_ms is dropped, so half-sent requests cannot hold a thread for long.
//   No keep-alive: each connection is one request.
// * Binds the address it is given (127.0.0.1 unless told otherwise).
// * A scrape reads the registry's snapshot (gputime/report/prometheus.hpp): the recording
//   threads never wait for the HTTP side. Native histograms (protobuf) when the scraper asks for
//   them in its Accept header and this build has gputime::prometheus_protobuf; `?format=text`
//   forces the text format (classic `le` buckets) whatever the Accept header says.
#pragma once

#include <gputime/report/prometheus.hpp>
#if defined(GPUTIME_EXAMPLE_WITH_PROTOBUF)
#include <gputime/report/prometheus_protobuf.hpp>
#endif

#include <civetweb.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace serving {

/// How much one client can ask of the endpoint.
struct Limits {
    int threads = 16;               ///< connections served at once
    int queued = 64;                ///< accepted connections waiting for a thread
    int backlog = 256;              ///< connections the kernel holds before accept()
    int request_timeout_ms = 1000;  ///< a request must arrive whole within this
    int max_request_bytes = 8192;   ///< request line + headers
    int max_headers = 32;           ///< header lines
};

class MetricsEndpoint {
public:
    MetricsEndpoint(const gputime::PrometheusRegistry& registry, const std::string& address, int port,
                    const gputime::PrometheusClassicBuckets& classic, Limits limits = {})
        : registry_(registry), classic_(classic), limits_(limits) {
        mg_init_library(0);
        const std::string listen = address + ":" + std::to_string(port);
        const std::string threads = std::to_string(limits.threads);
        const std::string queued = std::to_string(limits.queued);
        const std::string backlog = std::to_string(limits.backlog);
        const std::string timeout = std::to_string(limits.request_timeout_ms);
        const std::string max_request = std::to_string(limits.max_request_bytes);
        const char* options[] = {"listening_ports",
                                 listen.c_str(),
                                 "num_threads",
                                 threads.c_str(),
                                 "connection_queue",
                                 queued.c_str(),
                                 "listen_backlog",
                                 backlog.c_str(),
                                 "request_timeout_ms",
                                 timeout.c_str(),
                                 "max_request_size",
                                 max_request.c_str(),
                                 "enable_keep_alive",
                                 "no",
                                 "linger_timeout_ms",
                                 "0",
                                 nullptr};
        mg_callbacks callbacks;
        std::memset(&callbacks, 0, sizeof callbacks);
        callbacks.log_message = [](const mg_connection*, const char*) { return 1; };  // quiet
        context_ = mg_start(&callbacks, nullptr, options);
        if (context_ == nullptr) {
            mg_exit_library();
            throw std::runtime_error("serving_loop: cannot listen on " + listen);
        }
        mg_set_request_handler(context_, "/", &MetricsEndpoint::handle, this);
        mg_server_port ports[4];
        const int n = mg_get_server_ports(context_, 4, ports);
        port_ = n > 0 ? ports[0].port : port;
    }
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
    ~MetricsEndpoint() {
        mg_stop(context_);
        mg_exit_library();
    }

    int port() const noexcept { return port_; }
    /// Scrapes answered with 200, and requests refused (4xx from this handler).
    std::uint64_t scrapes() const noexcept { return scrapes_.load(); }
    std::uint64_t refused() const noexcept { return refused_.load(); }

private:
    static int handle(mg_connection* connection, void* self_pointer) {
        auto& self = *static_cast<MetricsEndpoint*>(self_pointer);
        const mg_request_info* request = mg_get_request_info(connection);
        if (std::strcmp(request->local_uri, "/metrics") != 0)
            return self.refuse(connection, 404, "only /metrics is served");
        if (std::strcmp(request->request_method, "GET") != 0)
            return self.refuse(connection, 405, "only GET is answered");
        if (request->num_headers > self.limits_.max_headers) return self.refuse(connection, 431, "too many headers");
        const bool force_text =
            request->query_string != nullptr && std::strcmp(request->query_string, "format=text") == 0;
        std::string body;
        const char* type = gputime::prometheus_text_content_type;
        try {
            const auto families = self.registry_.collect();
#if defined(GPUTIME_EXAMPLE_WITH_PROTOBUF)
            const char* accept = mg_get_header(connection, "Accept");
            if (!force_text && accept != nullptr && gputime::accepts_prometheus_protobuf(accept)) {
                body = gputime::to_prometheus_protobuf(families);
                type = gputime::prometheus_protobuf_content_type;
            } else {
                body = gputime::to_prometheus_text(families, self.classic_);
            }
#else
            (void)force_text;
            body = gputime::to_prometheus_text(families, self.classic_);
#endif
        } catch (const std::exception& e) {
            mg_send_http_error(connection, 500, "%s", e.what());
            return 500;
        }
        mg_send_http_ok(connection, type, static_cast<long long>(body.size()));
        mg_write(connection, body.data(), body.size());
        self.scrapes_.fetch_add(1);
        return 200;
    }
    int refuse(mg_connection* connection, int status, const char* why) {
        refused_.fetch_add(1);
        mg_send_http_error(connection, status, "%s", why);
        return status;
    }

    const gputime::PrometheusRegistry& registry_;
    const gputime::PrometheusClassicBuckets classic_;
    const Limits limits_;
    mg_context* context_ = nullptr;
    int port_ = 0;
    std::atomic<std::uint64_t> scrapes_{0};
    std::atomic<std::uint64_t> refused_{0};
};

}  // namespace serving
