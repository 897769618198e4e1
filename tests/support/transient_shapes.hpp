// SPDX-License-Identifier: MIT
// tests/support/transient_shapes.hpp - warm-up transients with a known steady value, for the
// tests that check where a warm-up rule ends them.
//
//   for (const TransientShape& s : transient_shapes()) { double x = s.level(17); ... }
//
// level(i) is the noise-free latency of call i relative to the steady value 1.0. excess_near(e)
// is the largest level in calls [e, e + 5): an alternating oscillation is judged by its
// envelope, not by whichever phase call e happens to be in. `settles` says whether a rule that
// needs 40 steady calls and a slope of at most 0.1% per call can place the end within 1000
// calls at 2% noise; the others must say "not settled" instead.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace gputime_test {

struct TransientShape {
    std::string name;
    std::function<double(std::size_t)> level;
    bool settles = true;

    double excess_near(std::size_t e) const {
        double most = 0.0;
        for (std::size_t i = e; i < e + 5; ++i) most = std::max(most, level(i));
        return most;
    }
};

inline std::vector<TransientShape> transient_shapes() {
    auto power = [](double base, std::size_t i) { return std::pow(base, static_cast<double>(i)); };
    return {
        // The two shapes of the issue that fooled MSER-5 with its half-means trend guard.
        {"damped oscillation: +-30% alternating, decaying to 0 over 40 calls",
         [](std::size_t i) {
             return 1.0 + 0.3 * (i % 2 ? -1.0 : 1.0) * std::max(0.0, 1.0 - static_cast<double>(i) / 40.0);
         }},
        {"slow decay: 0.2% per call from 3x (above 1.1x until call 501)",
         [power](std::size_t i) { return std::max(1.0, 3.0 * power(0.998, i)); }, false},
        {"no transient", [](std::size_t) { return 1.0; }},
        {"first call only, 20x", [](std::size_t i) { return i == 0 ? 20.0 : 1.0; }},
        {"step: 10 calls at 8x", [](std::size_t i) { return i < 10 ? 8.0 : 1.0; }},
        {"step: 30 calls at 4x", [](std::size_t i) { return i < 30 ? 4.0 : 1.0; }},
        {"fast decay: 1 + 4 * 0.8^i", [power](std::size_t i) { return 1.0 + 4.0 * power(0.8, i); }},
        {"decay: 1 + 2 exp(-i / 50)",
         [](std::size_t i) { return 1.0 + 2.0 * std::exp(-static_cast<double>(i) / 50.0); }},
        {"linear decay: 2x to 1x over 300 calls",
         [](std::size_t i) { return i < 300 ? 2.0 - static_cast<double>(i) / 300.0 : 1.0; }},
        {"restart: decay, then 20 calls at 2x from call 60",
         [power](std::size_t i) { return i >= 60 && i < 80 ? 2.0 : 1.0 + 2.0 * power(0.85, i); }},
        {"oscillation: period 16, 30% decaying with exp(-i / 60)",
         [](std::size_t i) {
             constexpr double pi = 3.14159265358979323846;
             const double x = static_cast<double>(i);
             return 1.0 + 0.3 * std::sin(2.0 * pi * x / 16.0) * std::exp(-x / 60.0);
         }},
        {"two-call oscillation: +-20% in pairs, decaying to 0 over 100 calls",
         [](std::size_t i) {
             return 1.0 + 0.2 * ((i / 2) % 2 ? -1.0 : 1.0) * std::max(0.0, 1.0 - static_cast<double>(i) / 100.0);
         }},
    };
}

}  // namespace gputime_test
