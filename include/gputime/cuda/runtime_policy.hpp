// SPDX-License-Identifier: MIT
// gputime/cuda/runtime_policy.hpp - the runtime-policy contract: how CudaEventClock talks to CUDA.
//
//   gputime::CudaEventClock<gputime::CudaRuntime> clock(stream);     // a real GPU (gputime::GpuClock)
//   gputime::sim::Runtime gpu;                                       // a simulated one, same clock code
//   gputime::CudaEventClock<gputime::sim::Runtime> sim_clock(gpu, sim_stream);
//
// docs/gpu_clock.md, "The runtime policy" (required members) and "The runtime policy's optional
// members".
#pragma once

#include <chrono>
#include <type_traits>
#include <utility>

namespace gputime::detail {

template <class R, class = void>
struct has_runtime_types : std::false_type {};
template <class R>
struct has_runtime_types<R, std::void_t<typename R::stream_type, typename R::event_type>> : std::true_type {};

// One trait per member: `expr` must compile and convert to `Result`.
#define GPUTIME_DETAIL_RUNTIME_MEMBER(trait, Result, expr) \
    template <class R, class = void>                       \
    struct trait : std::false_type {};                     \
    template <class R>                                     \
    struct trait<R, std::enable_if_t<std::is_convertible<decltype(expr), Result>::value>> : std::true_type {};

GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_create, int,
                              std::declval<R&>().event_create(std::declval<typename R::event_type*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_destroy, int,
                              std::declval<R&>().event_destroy(std::declval<typename R::event_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_record, int,
                              std::declval<R&>().event_record(std::declval<typename R::event_type>(),
                                                              std::declval<typename R::stream_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_query, int,
                              std::declval<R&>().event_query(std::declval<typename R::event_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_synchronize, int,
                              std::declval<R&>().event_synchronize(std::declval<typename R::event_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_elapsed_ms, int,
                              std::declval<R&>().event_elapsed_ms(std::declval<float*>(),
                                                                  std::declval<typename R::event_type>(),
                                                                  std::declval<typename R::event_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_wait_event, int,
                              std::declval<R&>().stream_wait_event(std::declval<typename R::stream_type>(),
                                                                   std::declval<typename R::event_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_synchronize, int,
                              std::declval<R&>().stream_synchronize(std::declval<typename R::stream_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_device_count, int, std::declval<R&>().device_count(std::declval<int*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_error_name, const char*, std::declval<R&>().error_name(0))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_error_string, const char*, std::declval<R&>().error_string(0))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_host_now_ns, std::chrono::nanoseconds, std::declval<R&>().host_now())
GPUTIME_DETAIL_RUNTIME_MEMBER(has_yield, void, std::declval<R&>().yield())
GPUTIME_DETAIL_RUNTIME_MEMBER(has_sleep_for, void, std::declval<R&>().sleep_for(std::chrono::nanoseconds{}))

// ---- optional members: devices, capture, graphs (detected; see the list at the top) ----
GPUTIME_DETAIL_RUNTIME_MEMBER(has_event_create_with_flags, int,
                              std::declval<R&>().event_create_with_flags(std::declval<typename R::event_type*>(), 0u))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_get_device, int, std::declval<R&>().get_device(std::declval<int*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_set_device, int, std::declval<R&>().set_device(0))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_get_device, int,
                              std::declval<R&>().stream_get_device(std::declval<typename R::stream_type>(),
                                                                   std::declval<int*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_device_via_driver, int,
                              std::declval<R&>().stream_device_via_driver(std::declval<typename R::stream_type>(),
                                                                          std::declval<int*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_is_capturing, int,
                              std::declval<R&>().stream_is_capturing(std::declval<typename R::stream_type>(),
                                                                     std::declval<int*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_thread_exchange_capture_mode, int,
                              std::declval<R&>().thread_exchange_capture_mode(std::declval<int*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_is_default_stream, bool,
                              std::declval<R&>().is_default_stream(std::declval<typename R::stream_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_is_legacy_default_stream, bool,
                              std::declval<R&>().is_legacy_default_stream(std::declval<typename R::stream_type>()))

template <class R, class = void>
struct has_graph_types : std::false_type {};
template <class R>
struct has_graph_types<R, std::void_t<typename R::graph_type, typename R::graph_exec_type>> : std::true_type {};
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_begin_capture, int,
                              std::declval<R&>().stream_begin_capture(std::declval<typename R::stream_type>(), 0))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_stream_end_capture, int,
                              std::declval<R&>().stream_end_capture(std::declval<typename R::stream_type>(),
                                                                    std::declval<typename R::graph_type*>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_graph_instantiate, int,
                              std::declval<R&>().graph_instantiate(std::declval<typename R::graph_exec_type*>(),
                                                                   std::declval<typename R::graph_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_graph_launch, int,
                              std::declval<R&>().graph_launch(std::declval<typename R::graph_exec_type>(),
                                                              std::declval<typename R::stream_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_graph_exec_destroy, int,
                              std::declval<R&>().graph_exec_destroy(std::declval<typename R::graph_exec_type>()))
GPUTIME_DETAIL_RUNTIME_MEMBER(has_graph_destroy, int,
                              std::declval<R&>().graph_destroy(std::declval<typename R::graph_type>()))
#undef GPUTIME_DETAIL_RUNTIME_MEMBER

/// The clock binds to its stream's device when the policy can tell it and switch to it.
template <class R>
inline constexpr bool has_device_binding_v =
    has_get_device<R>::value&& has_set_device<R>::value&& has_stream_get_device<R>::value;

/// Fails compilation naming the missing member, instead of a page of template errors.
template <class R>
constexpr bool check_runtime_policy() {
    static_assert(has_runtime_types<R>::value,
                  "gputime runtime policy: needs `stream_type` and `event_type` (see gputime/cuda/runtime_policy.hpp)");
    if constexpr (has_runtime_types<R>::value) {
        static_assert(has_event_create<R>::value, "gputime runtime policy: needs `int event_create(event_type*)`");
        static_assert(has_event_destroy<R>::value, "gputime runtime policy: needs `int event_destroy(event_type)`");
        static_assert(has_event_record<R>::value,
                      "gputime runtime policy: needs `int event_record(event_type, stream_type)`");
        static_assert(has_event_query<R>::value, "gputime runtime policy: needs `int event_query(event_type)`");
        static_assert(has_event_synchronize<R>::value,
                      "gputime runtime policy: needs `int event_synchronize(event_type)`");
        static_assert(has_event_elapsed_ms<R>::value,
                      "gputime runtime policy: needs `int event_elapsed_ms(float*, event_type, event_type)`");
        static_assert(has_stream_wait_event<R>::value,
                      "gputime runtime policy: needs `int stream_wait_event(stream_type, event_type)`");
        static_assert(has_stream_synchronize<R>::value,
                      "gputime runtime policy: needs `int stream_synchronize(stream_type)`");
        static_assert(has_device_count<R>::value, "gputime runtime policy: needs `int device_count(int*)`");
        static_assert(has_error_name<R>::value, "gputime runtime policy: needs `const char* error_name(int)`");
        static_assert(has_error_string<R>::value, "gputime runtime policy: needs `const char* error_string(int)`");
        static_assert(has_host_now_ns<R>::value, "gputime runtime policy: needs `std::chrono::nanoseconds host_now()`");
        static_assert(has_yield<R>::value, "gputime runtime policy: needs `void yield()`");
        static_assert(has_sleep_for<R>::value,
                      "gputime runtime policy: needs `void sleep_for(std::chrono::nanoseconds)`");
    }
    return true;
}

/// What CUDA graph timing (gputime/cuda/graph_timing.hpp) needs on top of the contract; fails compilation
/// naming the missing member.
template <class R>
constexpr bool check_graph_policy() {
    static_assert(has_graph_types<R>::value,
                  "gputime runtime policy: graph timing needs `graph_type` and `graph_exec_type`");
    if constexpr (has_graph_types<R>::value) {
        static_assert(has_stream_begin_capture<R>::value,
                      "gputime runtime policy: graph timing needs `int stream_begin_capture(stream_type, int)`");
        static_assert(has_stream_end_capture<R>::value,
                      "gputime runtime policy: graph timing needs `int stream_end_capture(stream_type, graph_type*)`");
        static_assert(
            has_graph_instantiate<R>::value,
            "gputime runtime policy: graph timing needs `int graph_instantiate(graph_exec_type*, graph_type)`");
        static_assert(has_graph_launch<R>::value,
                      "gputime runtime policy: graph timing needs `int graph_launch(graph_exec_type, stream_type)`");
        static_assert(has_graph_exec_destroy<R>::value,
                      "gputime runtime policy: graph timing needs `int graph_exec_destroy(graph_exec_type)`");
        static_assert(has_graph_destroy<R>::value,
                      "gputime runtime policy: graph timing needs `int graph_destroy(graph_type)`");
    }
    return true;
}

}  // namespace gputime::detail
