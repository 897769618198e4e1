// SPDX-License-Identifier: MIT
// tests/support/scripted_clock.hpp - a clock whose durations are a script: the n-th timed
// interval lasts script[n]. It lets runner and profiler logic be tested against exact,
// synthetic truth with no device and no wall clock.
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace gputime_test {

class ScriptedClock {
public:
    struct Mark {
        double at = 0.0;
    };
    static constexpr bool measures_device = false;

    explicit ScriptedClock(std::vector<double> script) : script_(std::move(script)) {}

    // Each mark after a mark() that opened an interval advances time by the next scripted duration.
    Mark mark() {
        ++marks_;
        if (open_) {
            if (next_ >= script_.size()) throw std::logic_error("ScriptedClock: script exhausted");
            now_ += script_[next_++];
        }
        open_ = !open_;
        return Mark{now_};
    }
    void stop(const Mark& started, gputime::Stats& into) noexcept { into.add(elapsed(started, mark())); }
    gputime::Duration elapsed(const Mark& from, const Mark& to) const { return gputime::Duration{to.at - from.at}; }
    void release(const Mark&) noexcept {
        open_ = false;
        ++releases_;
    }
    void synchronize() noexcept { ++synchronizations_; }
    std::chrono::nanoseconds host_now() const { return std::chrono::nanoseconds(static_cast<long long>(now_)); }
    void idle_for(std::chrono::nanoseconds gap) {
        now_ += static_cast<double>(gap.count());
        idled_ += gap;
    }

    std::size_t synchronizations() const { return synchronizations_; }
    std::size_t releases() const { return releases_; }
    std::size_t marks() const { return marks_; }
    std::chrono::nanoseconds idled() const { return idled_; }

private:
    std::vector<double> script_;
    std::size_t next_ = 0;
    double now_ = 0.0;
    bool open_ = false;
    std::size_t synchronizations_ = 0;
    std::size_t releases_ = 0;
    std::size_t marks_ = 0;
    std::chrono::nanoseconds idled_{0};
};

}  // namespace gputime_test
