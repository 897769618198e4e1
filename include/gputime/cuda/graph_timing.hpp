// SPDX-License-Identifier: MIT
// gputime/cuda/graph_timing.hpp - time the replays of a CUDA graph, next to the eager calls it captures.
//
//   gputime::GpuClock clock(stream);                          // a stream of your own, not stream 0
//   auto both = gputime::compare_eager_and_graph(clock, [&] { model.forward(stream); },
//                                                [](auto& runner) { runner.warmup(20).iterations(500); });
//   std::cout << both;   // eager and graph side by side, and the launch overhead the graph removes
//
// docs/gpu_clock.md, "CUDA graphs: CapturedGraph, compare_eager_and_graph".
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/core/error.hpp>
#include <gputime/cuda/event_clock.hpp>
#include <gputime/cuda/graph_comparison.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/measure/warmup_runner.hpp>

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace gputime {

/// A CUDA graph captured from a callable, instantiated and ready to launch; destroyed (graph and
/// executable graph) with the object. Movable, not copyable.
template <class Runtime>
class CapturedGraph {
    static_assert(detail::check_runtime_policy<Runtime>());
    static_assert(detail::check_graph_policy<Runtime>());

public:
    using stream_type = typename Runtime::stream_type;          ///< The policy's stream handle.
    using graph_type = typename Runtime::graph_type;            ///< The policy's graph handle.
    using graph_exec_type = typename Runtime::graph_exec_type;  ///< The policy's executable graph.

    /// Captures what `work()` (or `work(stream)`) enqueues on `stream`, in the capture mode `mode`
    /// (cuda_status::capture_mode_*; global, CUDA's default, by default), then instantiates it.
    /// Throws CudaError; an exception from `work` propagates once the capture is ended and its
    /// graph destroyed.
    template <class F>
    CapturedGraph(Runtime& runtime, stream_type stream, F&& work, int mode = cuda_status::capture_mode_global)
        : runtime_(&runtime), stream_(stream) {
        const auto started = runtime_->host_now();
        check("cudaStreamBeginCapture", runtime_->stream_begin_capture(stream_, mode));
        try {
            if constexpr (std::is_invocable_v<F&, stream_type>) {
                work(stream_);
            } else {
                work();
            }
        } catch (...) {
            graph_type discarded{};
            if (runtime_->stream_end_capture(stream_, &discarded) == cuda_status::success && discarded != graph_type{})
                runtime_->graph_destroy(discarded);
            throw;
        }
        const int ended = runtime_->stream_end_capture(stream_, &graph_);
        if (ended != cuda_status::success) {
            if (graph_ != graph_type{}) runtime_->graph_destroy(graph_);
            graph_ = graph_type{};
            throw error("cudaStreamEndCapture", ended);
        }
        const int instantiated = runtime_->graph_instantiate(&exec_, graph_);
        if (instantiated != cuda_status::success) {
            runtime_->graph_destroy(graph_);
            graph_ = graph_type{};
            exec_ = graph_exec_type{};
            throw error("cudaGraphInstantiate", instantiated);
        }
        capture_time_ = runtime_->host_now() - started;
    }

    /// For a stateless runtime policy (CudaRuntime): uses an instance of it.
    template <class F, class R = Runtime, std::enable_if_t<std::is_empty<R>::value, int> = 0>
    CapturedGraph(stream_type stream, F&& work, int mode = cuda_status::capture_mode_global)
        : CapturedGraph(stateless_instance(), stream, std::forward<F>(work), mode) {}

    CapturedGraph(const CapturedGraph&) = delete;
    CapturedGraph& operator=(const CapturedGraph&) = delete;
    /// Takes the graphs of `other`, which then owns none.
    CapturedGraph(CapturedGraph&& other) noexcept
        : runtime_(other.runtime_),
          stream_(other.stream_),
          graph_(std::exchange(other.graph_, graph_type{})),
          exec_(std::exchange(other.exec_, graph_exec_type{})),
          capture_time_(other.capture_time_) {}
    /// Destroys this object's graphs, then takes those of `other`.
    CapturedGraph& operator=(CapturedGraph&& other) noexcept {
        if (this != &other) {
            destroy();
            runtime_ = other.runtime_;
            stream_ = other.stream_;
            graph_ = std::exchange(other.graph_, graph_type{});
            exec_ = std::exchange(other.exec_, graph_exec_type{});
            capture_time_ = other.capture_time_;
        }
        return *this;
    }
    ~CapturedGraph() { destroy(); }

    /// Enqueues one replay of the graph on the stream it was captured from. Throws CudaError.
    void launch() { launch(stream_); }
    /// Enqueues one replay on `stream` (replays of one graph run one after the other).
    void launch(stream_type stream) { check("cudaGraphLaunch", runtime_->graph_launch(exec_, stream)); }

    /// Host time the capture and the instantiation took (once, before any replay).
    std::chrono::nanoseconds capture_time() const noexcept { return capture_time_; }
    stream_type stream() const noexcept { return stream_; }  ///< The stream it was captured from.
    graph_type graph() const noexcept { return graph_; }     ///< The captured graph (cudaGraph_t).
    graph_exec_type exec() const noexcept { return exec_; }  ///< Its executable graph (cudaGraphExec_t).
    Runtime& runtime() const noexcept { return *runtime_; }  ///< The runtime policy it calls.

private:
    static Runtime& stateless_instance() {
        static Runtime instance;
        return instance;
    }
    CudaError error(const char* call, int status) const {
        return CudaError(call, status, runtime_->error_name(status), runtime_->error_string(status));
    }
    void check(const char* call, int status) const {
        if (status != cuda_status::success) throw error(call, status);
    }
    void destroy() noexcept {
        if (exec_ != graph_exec_type{}) runtime_->graph_exec_destroy(exec_);
        if (graph_ != graph_type{}) runtime_->graph_destroy(graph_);
        exec_ = graph_exec_type{};
        graph_ = graph_type{};
    }

    Runtime* runtime_;
    stream_type stream_;
    graph_type graph_{};
    graph_exec_type exec_{};
    std::chrono::nanoseconds capture_time_{0};
};

namespace detail {
struct NoConfiguration {
    template <class Runner>
    void operator()(Runner&) const {}
};
}  // namespace detail

/// Measures `work` as it is, then replays of a CUDA graph captured from it on clock.stream(), each
/// with a WarmupRunner on `clock` set up by `configure(runner)` (warm-up, iterations, mode, name,
/// ...; the same for both). `work` is called as work() or work(clock.stream()). Throws
/// InvalidArgument (parameter "clock") for a clock on the legacy default stream, which CUDA cannot
/// capture; CudaError; and what `work` throws (the eager result is lost then).
template <class Runtime, class F, class Configure = detail::NoConfiguration>
GraphComparison compare_eager_and_graph(CudaEventClock<Runtime>& clock, F&& work, Configure&& configure = {},
                                        int capture_mode = cuda_status::capture_mode_global) {
    if (clock.on_legacy_default_stream())
        throw InvalidArgument("compare_eager_and_graph", "clock",
                              "is on the legacy default stream, which CUDA cannot capture into a graph: give the "
                              "clock a stream of your own (cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking))");
    using Clock = CudaEventClock<Runtime>;
    const typename Runtime::stream_type stream = clock.stream();
    auto call = [&] {
        if constexpr (std::is_invocable_v<F&, typename Runtime::stream_type>) {
            work(stream);
        } else {
            work();
        }
    };
    GraphComparison out;
    {
        WarmupRunner<Clock> runner(clock);
        configure(runner);
        out.eager = runner.run(call);
    }
    out.name = out.eager.name;
    CapturedGraph<Runtime> graph(clock.runtime(), stream, call, capture_mode);
    out.capture = Duration{static_cast<double>(graph.capture_time().count())};
    {
        WarmupRunner<Clock> runner(clock);
        configure(runner);
        out.graph = runner.run([&] { graph.launch(); });
    }
    return out;
}

}  // namespace gputime
