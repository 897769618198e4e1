// SPDX-License-Identifier: MIT
// Must NOT compile: a runtime policy without event_elapsed_ms. The runtime-policy contract's
// static_assert must name the member (checked by the ctest compile_fail.not_a_runtime).
#include <gputime/cuda/event_clock.hpp>

struct NoElapsedRuntime {
    using stream_type = int;
    using event_type = int;
    int event_create(event_type*) { return 0; }
    int event_destroy(event_type) { return 0; }
    int event_record(event_type, stream_type) { return 0; }
    int event_query(event_type) { return 0; }
    int event_synchronize(event_type) { return 0; }
    int stream_wait_event(stream_type, event_type) { return 0; }
    int stream_synchronize(stream_type) { return 0; }
    int device_count(int* n) { return *n = 1, 0; }
    const char* error_name(int) { return ""; }
    const char* error_string(int) { return ""; }
    std::chrono::nanoseconds host_now() { return {}; }
    void yield() {}
    void sleep_for(std::chrono::nanoseconds) {}
};

int main() {
    NoElapsedRuntime runtime;
    gputime::CudaEventClock<NoElapsedRuntime> clock(runtime);
}
