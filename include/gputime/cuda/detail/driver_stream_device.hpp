// SPDX-License-Identifier: MIT
// gputime/cuda/detail/driver_stream_device.hpp - a stream's device from the CUDA driver, for
// runtimes without cudaStreamGetDevice (before CUDA 12.8).
//
//   int device = -1;
//   int status = detail::driver_stream_device(stream, &device);  // cuStreamGetCtx, its device
// The driver's functions are found through the runtime (cudaGetDriverEntryPoint), so nothing
// links libcuda; cuda.h is included for its types only. Used by CudaRuntime (gpu_clock.hpp).
#pragma once

#include <cuda.h>
#include <cuda_runtime_api.h>

namespace gputime::detail {

class DriverStreamDevice {
public:
    // The entry points, found once per process; status() is not 0 when one is missing.
    static const DriverStreamDevice& instance() {
        static const DriverStreamDevice loaded;
        return loaded;
    }
    int status() const noexcept { return status_; }

    // The runtime ordinal of the device of `stream`'s context. CUresult codes on failure (400 for
    // an invalid stream: CUDA_ERROR_INVALID_HANDLE, as cudaErrorInvalidResourceHandle).
    int device_of(cudaStream_t stream, int* device) const {
        if (status_ != 0) return status_;
        CUcontext context = nullptr;
        CUresult result = stream_get_ctx_(reinterpret_cast<CUstream>(stream), &context);
        if (result != CUDA_SUCCESS) return static_cast<int>(result);
        // cuCtxGetDevice answers for the current context: make `context` current for the question.
        result = ctx_push_(context);
        if (result != CUDA_SUCCESS) return static_cast<int>(result);
        CUdevice handle = 0;
        result = ctx_get_device_(&handle);
        CUcontext popped = nullptr;
        ctx_pop_(&popped);
        if (result != CUDA_SUCCESS) return static_cast<int>(result);
        int count = 0;
        if (cudaGetDeviceCount(&count) != cudaSuccess) return static_cast<int>(cudaErrorInvalidDevice);
        for (int ordinal = 0; ordinal < count; ++ordinal) {
            CUdevice candidate = 0;
            if (device_get_(&candidate, ordinal) == CUDA_SUCCESS && candidate == handle) {
                *device = ordinal;
                return 0;
            }
        }
        return static_cast<int>(cudaErrorInvalidDevice);
    }

private:
    using StreamGetCtx = CUresult(CUDAAPI*)(CUstream, CUcontext*);
    using CtxPushCurrent = CUresult(CUDAAPI*)(CUcontext);
    using CtxPopCurrent = CUresult(CUDAAPI*)(CUcontext*);
    using CtxGetDevice = CUresult(CUDAAPI*)(CUdevice*);
    using DeviceGet = CUresult(CUDAAPI*)(CUdevice*, int);

    DriverStreamDevice() {
        find("cuStreamGetCtx", stream_get_ctx_);
        find("cuCtxPushCurrent", ctx_push_);
        find("cuCtxPopCurrent", ctx_pop_);
        find("cuCtxGetDevice", ctx_get_device_);
        find("cuDeviceGet", device_get_);
    }

    // The driver function `name` as it was in CUDA 12.0 (cuCtxPushCurrent: its _v2), or a status.
    template <class F>
    void find(const char* name, F& function) {
        void* address = nullptr;
#if CUDART_VERSION >= 12050
        cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
        const cudaError_t status = cudaGetDriverEntryPointByVersion(name, &address, 12000, cudaEnableDefault, &found);
        const bool ok = status == cudaSuccess && found == cudaDriverEntryPointSuccess;
#elif CUDART_VERSION >= 12000
        cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
        const cudaError_t status = cudaGetDriverEntryPoint(name, &address, cudaEnableDefault, &found);
        const bool ok = status == cudaSuccess && found == cudaDriverEntryPointSuccess;
#else
        const cudaError_t status = cudaGetDriverEntryPoint(name, &address, cudaEnableDefault);
        const bool ok = status == cudaSuccess;
#endif
        if (ok && address != nullptr) {
            function = reinterpret_cast<F>(address);
        } else if (status_ == 0) {
            status_ = status != cudaSuccess ? static_cast<int>(status) : static_cast<int>(cudaErrorNotSupported);
        }
    }

    int status_ = 0;
    StreamGetCtx stream_get_ctx_ = nullptr;
    CtxPushCurrent ctx_push_ = nullptr;
    CtxPopCurrent ctx_pop_ = nullptr;
    CtxGetDevice ctx_get_device_ = nullptr;
    DeviceGet device_get_ = nullptr;
};

// The device of `stream` as the driver tells it; see DriverStreamDevice::device_of.
inline int driver_stream_device(cudaStream_t stream, int* device) {
    return DriverStreamDevice::instance().device_of(stream, device);
}

}  // namespace gputime::detail
