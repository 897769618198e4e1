// SPDX-License-Identifier: MIT
// gputime/sim/detail/memory.hpp - device memory of the simulated runtime: the L2 size, fake
// allocations and an asynchronous memset that takes device time (what gputime::L2Flush uses).
//
//   void* p = nullptr; gpu.device_malloc(&p, 1 << 20);
//   gpu.memset_async(p, 0, 1 << 20, sim::Stream{});   // bytes / memset_bytes_per_ns of device time
#pragma once

#include "gputime/sim/runtime.hpp"

#include <cmath>
#include <cstdint>
#include <utility>

namespace gputime::sim {

inline int Runtime::l2_cache_size(int* bytes) {
    if (const int failed = begin_memory_call(Call::l2_cache_size)) return failed;
    if (bytes == nullptr) return status::invalid_value;
    *bytes = config_.l2_cache_bytes;
    return status::success;
}

inline int Runtime::device_malloc(void** ptr, std::size_t bytes) {
    if (const int failed = begin_memory_call(Call::device_malloc)) return failed;
    if (ptr == nullptr) return status::invalid_value;
    if (bytes == 0) {
        *ptr = nullptr;
        return status::success;
    }
    // Fake addresses, 256-byte aligned as cudaMalloc's, with a gap so that no two allocations touch.
    const std::uintptr_t address = next_allocation_;
    next_allocation_ += (static_cast<std::uintptr_t>(bytes) + 255) / 256 * 256 + 256;
    allocations_[address] = Allocation{bytes, current_device()};  // on the current device, as cudaMalloc
    *ptr = reinterpret_cast<void*>(address);
    return status::success;
}

inline int Runtime::device_free(void* ptr) {
    if (const int failed = begin_memory_call(Call::device_free)) return failed;
    if (ptr == nullptr) return status::success;
    const auto found = allocations_.find(reinterpret_cast<std::uintptr_t>(ptr));
    if (found == allocations_.end()) return status::invalid_value;
    allocations_.erase(found);
    return status::success;
}

inline int Runtime::memset_async(void* ptr, int value, std::size_t bytes, stream_type stream) {
    (void)value;  // the model times the memset; there is no memory to store into
    ++counters_.memsets;
    return device_memory_op(ptr, bytes, stream, Call::memset_async,
                            Kernel::fixed("gputime::sim memset", ns{0}).writing(bytes));
}

inline int Runtime::l2_sweep_async(const void* ptr, std::size_t bytes, stream_type stream) {
    ++counters_.l2_sweeps;
    return device_memory_op(ptr, bytes, stream, Call::l2_sweep_async,
                            Kernel::fixed("gputime::sim L2 sweep", ns{0}).reading(bytes));
}

// A launch of `work` over [ptr, ptr + bytes) on `stream`: bytes / memset_bytes_per_ns of device
// time, plus the write-back of the dirty lines it evicts (run_kernel).
inline int Runtime::device_memory_op(const void* ptr, std::size_t bytes, stream_type stream, Call call, Kernel work) {
    const int injected = take_call_fault(call);
    const int sticky = sticky_status();
    StreamState* target = stream_state(stream);
    int refused = sticky != status::success ? sticky : injected;
    if (refused == 0 && (target == nullptr || target->device != current_device()))
        refused = status::invalid_resource_handle;
    // Memory of another device than the stream's: a real GPU may fault (700) or, with peer
    // access, reach across the link; either way it is not this device's memory. 1 here.
    if (refused == 0 && !inside_allocation(ptr, bytes, target->device)) refused = status::invalid_value;
    if (refused == 0) refused = legacy_capture_conflict(*target);
    // Memset nodes of a captured graph are not modelled.
    if (refused == 0 && target->capture >= 0) refused = status::stream_capture_unsupported;
    if (refused == 0 && !wait_for_queue_room(*target)) refused = status::launch_timeout;
    host_ += config_.launch_cost;
    if (refused != 0) return refused;
    if (bytes == 0) return status::success;
    work.duration = ns{static_cast<ns::rep>(std::llround(static_cast<double>(bytes) / config_.memset_bytes_per_ns))};
    return enqueue(*target, Work::kernel_on(index_of(*target), host_, std::move(work)));
}

inline bool Runtime::inside_allocation(const void* ptr, std::size_t bytes, int device) const {
    const auto address = reinterpret_cast<std::uintptr_t>(ptr);
    auto found = allocations_.upper_bound(address);
    if (found == allocations_.begin()) return false;
    --found;
    const std::size_t size = found->second.bytes;
    return found->second.device == device && address - found->first <= size && bytes <= size - (address - found->first);
}

}  // namespace gputime::sim
