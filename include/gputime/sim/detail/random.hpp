// SPDX-License-Identifier: MIT
// gputime/sim/detail/random.hpp - a small seeded random generator for the simulator's noise.
//
// Why our own: std::normal_distribution (and the other std:: distributions) may give
// different numbers on libstdc++, libc++ and MSVC for the same engine and seed, and a
// simulated test must see the same "noise" on every machine. The integer stream below is
// bit-exact everywhere; the normal variate uses std::sqrt (exact by IEEE 754) and
// std::log / std::cos (within an ulp on mainstream C libraries).
//
// Algorithms (public domain, re-implemented here from their published descriptions):
//   splitmix64       - Steele, Lea, Flood 2014; used only to expand a 64-bit seed.
//   xoshiro256**     - Blackman, Vigna 2018; the generator itself.
//   Box-Muller       - Box, Muller 1958; one N(0,1) variate from two uniforms.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace gputime::sim::detail {

/// One step of splitmix64: advances `state` and returns the next output.
/// Every seed, 0 included, gives a well-mixed, non-zero xoshiro state.
constexpr std::uint64_t splitmix64_next(std::uint64_t& state) noexcept {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
}

/// xoshiro256**: fast, small state, passes BigCrush; plenty for simulated jitter.
class Xoshiro256StarStar {
public:
    using State = std::array<std::uint64_t, 4>;

    /// The usual seeding: four splitmix64 outputs.
    explicit Xoshiro256StarStar(std::uint64_t seed) noexcept {
        for (std::uint64_t& word : state_) {
            word = splitmix64_next(seed);
        }
    }

    /// A raw state, for checking against the published test vectors. Must not be all zero.
    static Xoshiro256StarStar from_state(const State& state) noexcept {
        Xoshiro256StarStar generator(0);
        generator.state_ = state;
        return generator;
    }

    std::uint64_t next_u64() noexcept {
        const std::uint64_t result = rotate_left(state_[1] * 5U, 7) * 9U;
        const std::uint64_t shifted = state_[1] << 17U;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= shifted;
        state_[3] = rotate_left(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1): the top 53 bits, so every value is an exact double.
    double uniform() noexcept { return static_cast<double>(next_u64() >> 11U) * kTwoToMinus53; }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    double uniform_open_at_zero() noexcept { return static_cast<double>((next_u64() >> 11U) + 1U) * kTwoToMinus53; }

    /// Standard normal N(0, 1) by Box-Muller. Uses exactly two outputs per call and keeps
    /// no spare variate, so the n-th draw depends only on the seed and n.
    double standard_normal() noexcept {
        const double radius = std::sqrt(-2.0 * std::log(uniform_open_at_zero()));
        const double angle = kTwoPi * uniform();
        return radius * std::cos(angle);
    }

private:
    static constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;  // 2^-53
    static constexpr double kTwoPi = 6.283185307179586476925286766559;

    static constexpr std::uint64_t rotate_left(std::uint64_t x, int k) noexcept {
        return (x << static_cast<unsigned>(k)) | (x >> static_cast<unsigned>(64 - k));
    }

    State state_{};
};

}  // namespace gputime::sim::detail
