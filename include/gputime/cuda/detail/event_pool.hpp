// SPDX-License-Identifier: MIT
// gputime/cuda/detail/event_pool.hpp - the events a GPU clock records, reused from call to call.
//
//   detail::EventPool<Runtime> pool(runtime);
//   auto e = pool.acquire(device);  ...  pool.release(e);   // or discard(e): state unknown
// After the first calls (or reserve()) the clock creates no events. Timing events mark; ordering
// events (cudaEventDisableTiming) only order streams for JoinStreams, one pool per device.
#pragma once

#include <gputime/core/cuda_status.hpp>
#include <gputime/cuda/detail/device_scope.hpp>
#include <gputime/cuda/runtime_policy.hpp>
#include <gputime/cuda/stream_capture_error.hpp>

#include <cstddef>
#include <vector>

namespace gputime::detail {

template <class Runtime>
class EventPool {
public:
    using event_type = typename Runtime::event_type;

    explicit EventPool(Runtime& runtime) noexcept : runtime_(&runtime) {}
    EventPool(const EventPool&) = delete;
    EventPool& operator=(const EventPool&) = delete;
    ~EventPool() {
        for (const event_type& e : free_) runtime_->event_destroy(e);
        for (const Ordering& e : ordering_) runtime_->event_destroy(e.event);
    }

    /// A timing event from the pool, or created on `device` (-1: the current one). Throws CudaError.
    event_type acquire(int device) {
        if (!free_.empty()) {
            const event_type e = free_.back();
            free_.pop_back();
            return e;
        }
        const event_type e = create(device);
        ++created_;
        return e;
    }
    /// Back to the pool (destroyed if the pool cannot grow).
    void release(const event_type& e) noexcept {
        try {
            free_.push_back(e);
        } catch (...) {
            runtime_->event_destroy(e);
        }
    }
    /// Destroyed instead of pooled: an event whose state is unknown.
    void discard(const event_type& e) noexcept { runtime_->event_destroy(e); }

    /// At least `count` timing events and `ordering` ordering events of `device` in the pool.
    void reserve(int device, std::size_t count, std::size_t ordering) {
        DeviceScope<Runtime> scope(*runtime_, device);
        check(scope.call(), scope.status());
        while (free_.size() < count) free_.push_back(create_here());
        std::size_t held = 0;
        for (const Ordering& e : ordering_) held += e.device == device ? 1 : 0;
        for (; held < ordering; ++held) ordering_.push_back(Ordering{device, create_ordering()});
    }

    /// An ordering-only event of `device`, from the pool or created there. Throws CudaError.
    event_type acquire_ordering(int device) {
        for (std::size_t i = ordering_.size(); i-- > 0;) {
            if (ordering_[i].device == device) {
                const event_type e = ordering_[i].event;
                ordering_.erase(ordering_.begin() + static_cast<std::ptrdiff_t>(i));
                return e;
            }
        }
        DeviceScope<Runtime> scope(*runtime_, device);
        check(scope.call(), scope.status());
        const event_type e = create_ordering();
        ++ordering_created_;
        return e;
    }
    void release_ordering(int device, const event_type& e) noexcept {
        try {
            ordering_.push_back(Ordering{device, e});
        } catch (...) {
            runtime_->event_destroy(e);
        }
    }

    std::size_t created() const noexcept { return created_; }
    std::size_t ordering_created() const noexcept { return ordering_created_; }

private:
    struct Ordering {
        int device;
        event_type event;
    };
    void check(const char* call, int status) const {
        if (status != cuda_status::success) throw cuda_error(*runtime_, call, status);
    }
    event_type create(int device) {
        DeviceScope<Runtime> scope(*runtime_, device);
        check(scope.call(), scope.status());
        return create_here();
    }
    // On the current device (the caller chose it).
    event_type create_here() {
        event_type e{};
        check("cudaEventCreate", runtime_->event_create(&e));
        return e;
    }
    event_type create_ordering() {
        event_type e{};
        if constexpr (has_event_create_with_flags<Runtime>::value) {
            check("cudaEventCreateWithFlags", runtime_->event_create_with_flags(&e, cuda_status::event_disable_timing));
        } else {
            check("cudaEventCreate", runtime_->event_create(&e));
        }
        return e;
    }

    Runtime* runtime_;
    std::vector<event_type> free_;
    std::vector<Ordering> ordering_;
    std::size_t created_ = 0;
    std::size_t ordering_created_ = 0;
};

}  // namespace gputime::detail
