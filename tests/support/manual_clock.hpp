// SPDX-License-Identifier: MIT
// tests/support/manual_clock.hpp - a clock whose time moves only when the test moves it.
//
// ScriptedClock hands out one scripted duration per pair of marks, which fits code that times
// one region at a time. Nested and adjacent scopes (LayerProfiler) take marks in any pattern,
// so here a mark simply reads the current virtual time and the test advances it by hand:
//     auto s = prof.scope("conv1"); clock.advance(100);   // conv1 lasts exactly 100 ns
// It counts what the code under test asks of it (marks, releases, elapsed, synchronize), and
// which marks are still held, so tests can prove "no mark leaks" and "one sync per iteration".
#pragma once

#include <gputime/core/duration.hpp>
#include <gputime/stats/stats.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gputime_test {

class ManualClock {
public:
    struct Mark {
        double at = 0.0;
        std::size_t id = 0;  // 1-based; 0 = never taken
    };
    static constexpr bool measures_device = false;

    void advance(double ns) {
        if (ns < 0) throw std::invalid_argument("ManualClock::advance: negative");
        now_ += ns;
    }
    double now() const { return now_; }

    Mark mark() {
        if (fail_next_mark_) {
            fail_next_mark_ = false;
            throw std::runtime_error("ManualClock: injected mark failure");
        }
        held_.push_back(true);
        return Mark{now_, held_.size()};
    }
    void stop(const Mark& started, gputime::Stats& into) noexcept {
        const Mark end = mark();
        into.add(elapsed(started, end));
        release(started);
        release(end);
    }
    gputime::Duration elapsed(const Mark& from, const Mark& to) {
        ++elapsed_calls_;
        require_held(from, "elapsed");
        require_held(to, "elapsed");
        if (fail_next_elapsed_) {
            fail_next_elapsed_ = false;
            throw std::runtime_error("ManualClock: injected elapsed failure");
        }
        return gputime::Duration{to.at - from.at};
    }
    void release(const Mark& m) noexcept {
        ++releases_;
        if (m.id == 0 || m.id > held_.size() || !held_[m.id - 1]) {
            ++bad_releases_;  // released twice, or never taken: a bug in the code under test
            return;
        }
        held_[m.id - 1] = false;
    }
    void synchronize() {
        ++synchronizations_;
        if (on_synchronize) on_synchronize();
    }
    std::chrono::nanoseconds host_now() const { return std::chrono::nanoseconds(static_cast<long long>(now_)); }
    void idle_for(std::chrono::nanoseconds gap) { now_ += static_cast<double>(gap.count()); }

    // ---- what the code under test did ----
    std::size_t marks() const { return held_.size(); }
    std::size_t held() const {
        std::size_t n = 0;
        for (const bool h : held_) n += h ? 1 : 0;
        return n;
    }
    std::size_t releases() const { return releases_; }
    std::size_t bad_releases() const { return bad_releases_; }
    std::size_t synchronizations() const { return synchronizations_; }
    std::size_t elapsed_calls() const { return elapsed_calls_; }

    // ---- fault injection ----
    void fail_next_mark() { fail_next_mark_ = true; }
    void fail_next_elapsed() { fail_next_elapsed_ = true; }
    std::function<void()> on_synchronize;

private:
    void require_held(const Mark& m, const char* what) const {
        if (m.id == 0 || m.id > held_.size() || !held_[m.id - 1])
            throw std::logic_error(std::string("ManualClock::") + what + ": mark not held (released or never taken)");
    }

    double now_ = 0.0;
    std::vector<bool> held_;
    std::size_t releases_ = 0;
    std::size_t bad_releases_ = 0;
    std::size_t synchronizations_ = 0;
    std::size_t elapsed_calls_ = 0;
    bool fail_next_mark_ = false;
    bool fail_next_elapsed_ = false;
};

}  // namespace gputime_test
