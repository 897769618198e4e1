// SPDX-License-Identifier: MIT
// gputime/cuda/detail/capture_guard.hpp - keep a clock's CUDA calls from disturbing a stream capture.
//
//   if (int refused = detail::capture_refusal(runtime, stream)) throw ...;   // before recording
//   detail::RelaxedCaptureMode<Runtime> relaxed(runtime);                    // around polls
// An event recorded on a capturing stream is a graph dependency, not a timestamp: marks are
// refused before anything is recorded. Polls run in CUDA's relaxed capture mode, as PyTorch's
// caching allocator runs its cudaEventQuery calls: in the default (global) mode a query made
// while another thread captures a CUDA graph fails and invalidates that capture.
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/cuda/runtime_policy.hpp>

namespace gputime::detail {

// The status a mark on `stream` must be refused with, before anything is recorded, or 0:
// 900 (cudaErrorStreamCaptureUnsupported) while it captures, 901 (invalidated) once its capture
// failed, 906 (implicit) for the legacy stream while a blocking stream of its device captures.
// `call` names the call that gave the status. Any other failure of the question (a poisoned
// context) is left to the record, which fails the same way.
template <class Runtime>
int capture_refusal(Runtime& runtime, const typename Runtime::stream_type& stream, const char*& call) {
    if constexpr (has_stream_is_capturing<Runtime>::value) {
        int capture = cuda_status::capture_status_none;
        const int status = runtime.stream_is_capturing(stream, &capture);
        call = "cudaStreamIsCapturing";
        if (status == cuda_status::stream_capture_implicit) return status;
        if (status != cuda_status::success || capture == cuda_status::capture_status_none) return 0;
        call = "cudaEventRecord";
        return capture == cuda_status::capture_status_active ? cuda_status::stream_capture_unsupported
                                                             : cuda_status::stream_capture_invalidated;
    } else {
        (void)runtime;
        (void)stream;
        (void)call;
        return 0;
    }
}

// The calling thread polls in CUDA's relaxed capture mode for its lifetime (when the policy can
// exchange it), so that its cudaEventQuery never counts as an unsafe call during a capture.
template <class Runtime>
class RelaxedCaptureMode {
public:
    explicit RelaxedCaptureMode(Runtime& runtime) noexcept : runtime_(runtime) {
        if constexpr (has_thread_exchange_capture_mode<Runtime>::value) {
            int mode = cuda_status::capture_mode_relaxed;
            if (runtime_.thread_exchange_capture_mode(&mode) == cuda_status::success) previous_ = mode;
        }
    }
    ~RelaxedCaptureMode() {
        if constexpr (has_thread_exchange_capture_mode<Runtime>::value) {
            if (previous_ >= 0) runtime_.thread_exchange_capture_mode(&previous_);
        }
    }
    RelaxedCaptureMode(const RelaxedCaptureMode&) = delete;
    RelaxedCaptureMode& operator=(const RelaxedCaptureMode&) = delete;

private:
    Runtime& runtime_;
    int previous_ = -1;
};

}  // namespace gputime::detail
