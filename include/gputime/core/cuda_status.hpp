// SPDX-License-Identifier: MIT
// gputime/core/cuda_status.hpp - the cudaError_t numbers gputime acts on, named once.
//
// The clock compares runtime results against these, CudaError gives hints for some of them and
// the simulated runtime returns them, so all three speak the same numbers a real GPU does
// (values from driver_types.h of the CUDA 13 toolkit; stable across CUDA releases).
#pragma once

/// The cudaError_t numbers, flags and enumerators gputime acts on, as plain integers.
namespace gputime::cuda_status {

inline constexpr int success = 0;                        ///< cudaSuccess
inline constexpr int invalid_value = 1;                  ///< cudaErrorInvalidValue
inline constexpr int insufficient_driver = 35;           ///< cudaErrorInsufficientDriver
inline constexpr int no_device = 100;                    ///< cudaErrorNoDevice
inline constexpr int invalid_device = 101;               ///< cudaErrorInvalidDevice
inline constexpr int invalid_resource_handle = 400;      ///< cudaErrorInvalidResourceHandle
inline constexpr int illegal_state = 401;                ///< cudaErrorIllegalState
inline constexpr int not_ready = 600;                    ///< cudaErrorNotReady
inline constexpr int illegal_address = 700;              ///< cudaErrorIllegalAddress
inline constexpr int launch_timeout = 702;               ///< cudaErrorLaunchTimeout
inline constexpr int launch_failure = 719;               ///< cudaErrorLaunchFailure
inline constexpr int not_supported = 801;                ///< cudaErrorNotSupported
inline constexpr int stream_capture_unsupported = 900;   ///< cudaErrorStreamCaptureUnsupported
inline constexpr int stream_capture_invalidated = 901;   ///< cudaErrorStreamCaptureInvalidated
inline constexpr int stream_capture_merge = 902;         ///< cudaErrorStreamCaptureMerge
inline constexpr int stream_capture_unmatched = 903;     ///< cudaErrorStreamCaptureUnmatched
inline constexpr int stream_capture_unjoined = 904;      ///< cudaErrorStreamCaptureUnjoined
inline constexpr int stream_capture_isolation = 905;     ///< cudaErrorStreamCaptureIsolation
inline constexpr int stream_capture_implicit = 906;      ///< cudaErrorStreamCaptureImplicit
inline constexpr int captured_event = 907;               ///< cudaErrorCapturedEvent
inline constexpr int stream_capture_wrong_thread = 908;  ///< cudaErrorStreamCaptureWrongThread

/// Flags and enumerators of the CUDA runtime that the runtime policies take as plain integers
/// (values from driver_types.h of the CUDA 13 toolkit; stable across CUDA releases).
inline constexpr unsigned stream_default = 0x0;        ///< cudaStreamDefault: a blocking stream
inline constexpr unsigned stream_non_blocking = 0x1;   ///< cudaStreamNonBlocking
inline constexpr unsigned event_default = 0x0;         ///< cudaEventDefault
inline constexpr unsigned event_disable_timing = 0x2;  ///< cudaEventDisableTiming: ordering only
inline constexpr int capture_mode_global = 0;          ///< cudaStreamCaptureModeGlobal (the default)
inline constexpr int capture_mode_thread_local = 1;    ///< cudaStreamCaptureModeThreadLocal
inline constexpr int capture_mode_relaxed = 2;         ///< cudaStreamCaptureModeRelaxed
inline constexpr int capture_status_none = 0;          ///< cudaStreamCaptureStatusNone
inline constexpr int capture_status_active = 1;        ///< cudaStreamCaptureStatusActive
inline constexpr int capture_status_invalidated = 2;   ///< cudaStreamCaptureStatusInvalidated

/// True for the errors that leave the CUDA context unusable ("sticky"): after one of them every
/// later call fails, so pending measurements can never be resolved. Others concern one call.
/// Exactly the codes whose description in driver_types.h (CUDA 13) ends "To continue using CUDA,
/// the process must be terminated and relaunched" (tests/test_cuda_status.cpp compares the two).
constexpr bool is_sticky(int code) noexcept {
    switch (code) {
        case 226:              // cudaErrorContained: a contained hardware error
        case illegal_address:  // 700
        case launch_timeout:   // 702
        case 710:              // cudaErrorAssert: a device-side assert
        case 714:              // cudaErrorHardwareStackError
        case 715:              // cudaErrorIllegalInstruction
        case 716:              // cudaErrorMisalignedAddress
        case 717:              // cudaErrorInvalidAddressSpace
        case 718:              // cudaErrorInvalidPc
        case launch_failure:   // 719
        case 721:              // cudaErrorTensorMemoryLeak: tensor memory not deallocated when a kernel ended
        case 810:              // cudaErrorMpsClientTerminated: the MPS server ended this client
        case 911:              // cudaErrorExternalDevice: an error from an external (e.g. NVLink-attached) device
            return true;
        default: return false;
    }
}

}  // namespace gputime::cuda_status
