// SPDX-License-Identifier: MIT
// gputime/cuda/stream_capture_error.hpp - the error of a mark on a stream that is being captured.
//
//   try { clock.mark(); } catch (const gputime::StreamCaptureError& e) { /* e.code() 900 */ }
// Its what() says what to do instead: time the graph's replays (gputime/cuda/graph_timing.hpp),
// or, on the legacy default stream, time on a stream of your own.
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/core/error.hpp>

#include <string>

namespace gputime {

/// A CUDA error met while a stream was being captured into a CUDA graph, with what to do
/// instead in what(). code(), name() and description() are CUDA's, as in any CudaError.
class StreamCaptureError : public CudaError {
public:
    /// `error`, with `advice` (what to do instead) appended to its what() in brackets.
    StreamCaptureError(const CudaError& error, const std::string& advice)
        : CudaError(error), text_(std::string(error.what()) + " [" + advice + "]") {}
    /// CudaError's text followed by " [advice]".
    const char* what() const noexcept override { return text_.c_str(); }

private:
    std::string text_;
};

namespace detail {

template <class Runtime>
CudaError cuda_error(Runtime& runtime, const char* call, int status) {
    return CudaError(call, status, runtime.error_name(status), runtime.error_string(status));
}

// What to do instead, for the statuses that stream capture causes ("" for the others).
inline const char* capture_advice(int status) noexcept {
    switch (status) {
        case cuda_status::captured_event:
            return "the mark was recorded while its stream was being captured into a CUDA graph, so it has no "
                   "time; time the graph's replays instead (gputime/cuda/graph_timing.hpp)";
        case cuda_status::stream_capture_implicit:
            return "the clock is on the legacy default stream while a blocking stream of its device is being "
                   "captured into a CUDA graph: recording an event there would invalidate that capture; time on "
                   "a stream of your own, created with cudaStreamNonBlocking, or time the graph's replays "
                   "(gputime/cuda/graph_timing.hpp)";
        case cuda_status::stream_capture_unsupported:
        case cuda_status::stream_capture_invalidated:
            return "the clock's stream is being captured into a CUDA graph: an event recorded there is a "
                   "dependency of the graph, not a timestamp, and reading it fails (cudaErrorCapturedEvent); time "
                   "the graph's replays instead: gputime::CapturedGraph or gputime::compare_eager_and_graph "
                   "(gputime/cuda/graph_timing.hpp)";
        default: return "";
    }
}

// The error of a failed call on a mark: a StreamCaptureError with advice for the errors that
// stream capture causes, a CudaError otherwise.
template <class Runtime>
[[noreturn]] void throw_cuda_failure(Runtime& runtime, const char* call, int status) {
    const char* advice = capture_advice(status);
    if (*advice != '\0') throw StreamCaptureError(cuda_error(runtime, call, status), advice);
    throw cuda_error(runtime, call, status);
}

}  // namespace detail
}  // namespace gputime
