// SPDX-License-Identifier: MIT
// tests/support/noise_shapes.hpp - seeded call durations under five kinds of noise, with a known
// true ratio between two variants: the ground truth for the A/B verdict tests and
// bench/bench_ab_power.cpp.
//
//   gputime_test::NoisyCalls calls(gputime_test::NoiseShape::lognormal, seed);
//   const double ns = calls.next(1.0e6 * ratio);   // the next call's duration, in call order
//
// Each call's duration is base * factor, the factor drawn for the call's position in the whole
// run (both variants, warm-up included), so drift and steps hit whichever variant runs then:
//   lognormal   exp(0.1 N(0,1))
//   bimodal     (1 + 0.03 N(0,1)), and 10% of the calls 1.5x
//   pareto      (1 + 0.02 N(0,1)) (1 + 0.05 (P - 1)), P Pareto with tail index 1.5 (infinite variance)
//   sine_drift  (1 + 0.03 N(0,1)) (1 + 0.2 sin(2 pi position / 400))
//   step        (1 + 0.03 N(0,1)), and 1.3x from call 350 on
#pragma once

#include <gputime/sim/detail/random.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace gputime_test {

enum class NoiseShape { lognormal, bimodal, pareto, sine_drift, step };

inline const char* to_string(NoiseShape s) {
    switch (s) {
        case NoiseShape::lognormal: return "lognormal (sigma 0.1)";
        case NoiseShape::bimodal: return "bimodal (10% of calls 1.5x)";
        case NoiseShape::pareto: return "Pareto tail (index 1.5)";
        case NoiseShape::sine_drift: return "sinusoidal drift (+-20%, period 400 calls)";
        case NoiseShape::step: return "step change (1.3x from call 350)";
    }
    return "?";
}

constexpr NoiseShape all_noise_shapes[] = {NoiseShape::lognormal, NoiseShape::bimodal, NoiseShape::pareto,
                                           NoiseShape::sine_drift, NoiseShape::step};

class NoisyCalls {
public:
    NoisyCalls(NoiseShape shape, std::uint64_t seed) : shape_(shape), rng_(seed * 0x9E3779B97F4A7C15ULL + 17) {}

    /// The next call's duration (ns) for a call whose noise-free duration is `base` ns.
    double next(double base) {
        const double position = static_cast<double>(position_++);
        constexpr double pi = 3.14159265358979323846;
        switch (shape_) {
            case NoiseShape::lognormal: return base * std::exp(0.1 * rng_.standard_normal());
            case NoiseShape::bimodal: {
                const double jitter = 1.0 + 0.03 * rng_.standard_normal();
                return base * jitter * (rng_.uniform() < 0.1 ? 1.5 : 1.0);
            }
            case NoiseShape::pareto: {
                const double jitter = 1.0 + 0.02 * rng_.standard_normal();
                const double pareto = std::pow(1.0 - rng_.uniform(), -1.0 / 1.5);
                return base * jitter * (1.0 + 0.05 * (pareto - 1.0));
            }
            case NoiseShape::sine_drift:
                return base * (1.0 + 0.03 * rng_.standard_normal()) *
                       (1.0 + 0.2 * std::sin(2.0 * pi * position / 400.0));
            case NoiseShape::step:
                return base * (1.0 + 0.03 * rng_.standard_normal()) * (position >= 350.0 ? 1.3 : 1.0);
        }
        return base;
    }
    std::size_t calls() const { return position_; }

private:
    NoiseShape shape_;
    gputime::sim::detail::Xoshiro256StarStar rng_;
    std::size_t position_ = 0;
};

}  // namespace gputime_test
