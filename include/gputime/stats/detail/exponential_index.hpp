// SPDX-License-Identifier: MIT
// gputime/stats/detail/exponential_index.hpp - the exponential bucket of a duration in
// nanoseconds, without log(): the double's exponent bits plus one table lookup on its mantissa.
//
// Bucket i holds the durations whose value in SECONDS lies in (base^i, base^(i+1)],
// base = 2^(2^-scale) (OpenTelemetry's exponential histogram and Prometheus' native histograms).
// In nanoseconds the boundaries are 1e9 * 2^(i / 2^s): inside each binade [2^e, 2^(e+1)) ns
// they sit at the same 2^s mantissas m_k = 2^((k - A) / 2^s) * 1e9 / 2^e0 (A = floor(2^s log2 1e9)),
// so the index is 2^s * e - A - 1 + #{k : mantissa > m_k}. The table splits the mantissa into
// 2^(s+1) equal parts, each narrower than the narrowest bucket (ln 2 / 2^s), so a part holds at
// most one boundary: #{k} is the part's base count plus one compare with that boundary.
//
// Each boundary's threshold is the largest 52-bit mantissa fraction F with 1 + F/2^52 <= m_k,
// found from exp2() and then checked EXACTLY in integers: (2^52 + F)^(2^s) * 2^A against
// 5^(9 * 2^s) * 2^(61 * 2^s + k) (both sides of m^(2^s) <= 2^k * 1e9^(2^s) / 2^A, scaled).
// A duration is therefore put in the bucket its exact value in seconds belongs to, on every
// platform; a duration whose value in seconds is exactly a power of base (1 s, 2^-10 s) is in
// the bucket below it, as the upper bound is inclusive. Negative scales use scale 0's index
// shifted right (i_(s-1) = floor(i_s / 2)).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace gputime {
namespace detail {

/// Unsigned integers of any size, only what building the index tables needs (exact checks).
class BigUnsigned {
public:
    explicit BigUnsigned(std::uint64_t v) {
        while (v != 0) {
            limbs_.push_back(static_cast<std::uint32_t>(v));
            v >>= 32;
        }
    }
    friend BigUnsigned operator*(const BigUnsigned& a, const BigUnsigned& b) {
        BigUnsigned r(0);
        if (a.limbs_.empty() || b.limbs_.empty()) return r;
        r.limbs_.assign(a.limbs_.size() + b.limbs_.size(), 0);
        for (std::size_t i = 0; i < a.limbs_.size(); ++i) {
            std::uint64_t carry = 0;
            for (std::size_t j = 0; j < b.limbs_.size(); ++j) {
                const std::uint64_t t = static_cast<std::uint64_t>(a.limbs_[i]) * b.limbs_[j] + r.limbs_[i + j] + carry;
                r.limbs_[i + j] = static_cast<std::uint32_t>(t);
                carry = t >> 32;
            }
            r.limbs_[i + b.limbs_.size()] = static_cast<std::uint32_t>(carry);
        }
        while (!r.limbs_.empty() && r.limbs_.back() == 0) r.limbs_.pop_back();
        return r;
    }
    /// this^(2^k) by k squarings.
    BigUnsigned squared_times(int k) const {
        BigUnsigned r = *this;
        for (int i = 0; i < k; ++i) r = r * r;
        return r;
    }
    std::size_t bit_length() const noexcept {
        if (limbs_.empty()) return 0;
        std::uint32_t top = limbs_.back();
        std::size_t bits = 0;
        while (top != 0) {
            ++bits;
            top >>= 1;
        }
        return (limbs_.size() - 1) * 32 + bits;
    }
    bool bit(std::size_t i) const noexcept {
        const std::size_t limb = i / 32;
        return limb < limbs_.size() && ((limbs_[limb] >> (i % 32)) & 1u) != 0;
    }
    /// Sign of a * 2^shift_a - b * 2^shift_b.
    static int compare_shifted(const BigUnsigned& a, std::size_t shift_a, const BigUnsigned& b, std::size_t shift_b) {
        const std::size_t la = a.bit_length() == 0 ? 0 : a.bit_length() + shift_a;
        const std::size_t lb = b.bit_length() == 0 ? 0 : b.bit_length() + shift_b;
        if (la != lb) return la < lb ? -1 : 1;
        for (std::size_t i = la; i-- > 0;) {
            const bool x = i >= shift_a && a.bit(i - shift_a);
            const bool y = i >= shift_b && b.bit(i - shift_b);
            if (x != y) return x ? 1 : -1;
        }
        return 0;
    }

private:
    std::vector<std::uint32_t> limbs_;  // little-endian, no leading zero limb
};

/// The lookup table of one scale s >= 0 (negative scales use scale 0 and a shift).
struct ExponentialIndexTable {
    struct Part {
        std::uint64_t threshold;  // the boundary inside this part; all-ones when there is none
        std::int64_t below;       // -A - 1 + boundaries below the part's first mantissa
    };
    int scale = 0;
    std::int64_t a_floor = 0;               // A = floor(2^s log2(1e9)) = floor(log2(1e9^(2^s)))
    std::vector<std::uint64_t> thresholds;  // 2^s mantissa fractions, increasing (see the banner)
    std::vector<Part> parts;                // 2^(s+1) parts of the mantissa

    explicit ExponentialIndexTable(int s) : scale(s) {
        const std::int64_t n = std::int64_t{1} << s;
        // 1e9^(2^s) = 5^(9 * 2^s) * 2^(9 * 2^s).
        const BigUnsigned five_pow = BigUnsigned(1953125).squared_times(s);  // 5^(9 * 2^s)
        a_floor = static_cast<std::int64_t>(five_pow.bit_length()) - 1 + 9 * n;
        // (2^52 + F)/2^52 <= m_k  <=>  (2^52 + F)^(2^s) * 2^A <= 5^(9 * 2^s) * 2^(61 * 2^s + k)
        const auto at_or_below = [&](std::uint64_t fraction, std::int64_t k) {
            const BigUnsigned lhs = BigUnsigned((std::uint64_t{1} << 52) + fraction).squared_times(s);
            return BigUnsigned::compare_shifted(lhs, static_cast<std::size_t>(a_floor), five_pow,
                                                static_cast<std::size_t>(61 * n + k)) <= 0;
        };
        constexpr std::uint64_t fraction_mask = (std::uint64_t{1} << 52) - 1;
        for (std::int64_t k = 0; k < n; ++k) {
            // m_k = 1e9 * 2^((k - A) / 2^s), in [1, 2): the argument of exp2 is exact.
            const double m = 1e9 * std::exp2(static_cast<double>(k - a_floor) / static_cast<double>(n));
            std::uint64_t f = static_cast<std::uint64_t>(std::ldexp(m - 1.0, 52));
            if (f > fraction_mask) f = fraction_mask;
            while (f > 0 && !at_or_below(f, k)) --f;
            while (f < fraction_mask && at_or_below(f + 1, k)) ++f;
            thresholds.push_back(f);
        }
        const int part_bits = s + 1;
        const std::uint64_t width = std::uint64_t{1} << (52 - part_bits);
        parts.resize(std::size_t{1} << part_bits);
        std::size_t next = 0;  // first threshold not yet below the part
        for (std::size_t p = 0; p < parts.size(); ++p) {
            const std::uint64_t first = p * width, last = first + width - 1;
            while (next < thresholds.size() && thresholds[next] < first) ++next;
            parts[p].below = -a_floor - 1 + static_cast<std::int64_t>(next);
            parts[p].threshold =
                next < thresholds.size() && thresholds[next] <= last ? thresholds[next] : ~std::uint64_t{0};
        }
    }
};

/// The table of scale s in [0, 8], built once (thread-safe) on first use.
template <int S>
const ExponentialIndexTable& exponential_index_table_of() {
    static const ExponentialIndexTable table(S);
    return table;
}
inline const ExponentialIndexTable& exponential_index_table(int s) {
    switch (s) {
        case 0: return exponential_index_table_of<0>();
        case 1: return exponential_index_table_of<1>();
        case 2: return exponential_index_table_of<2>();
        case 3: return exponential_index_table_of<3>();
        case 4: return exponential_index_table_of<4>();
        case 5: return exponential_index_table_of<5>();
        case 6: return exponential_index_table_of<6>();
        case 7: return exponential_index_table_of<7>();
        default: return exponential_index_table_of<8>();
    }
}

/// floor(v / 2^d) for any sign of v.
inline std::int64_t floor_shift(std::int64_t v, int d) noexcept { return v >= 0 ? (v >> d) : ~((~v) >> d); }

/// Computes the bucket index of a positive, normal, finite duration in nanoseconds at one scale.
class ExponentialIndexer {
public:
    explicit ExponentialIndexer(int scale)
        : parts_(exponential_index_table(std::max(scale, 0)).parts.data()),
          fine_scale_(std::max(scale, 0)),
          shift_(std::max(-scale, 0)),
          part_shift_(52 - (std::max(scale, 0) + 1)) {}

    std::int64_t operator()(double ns) const noexcept {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &ns, sizeof bits);
        const std::int64_t e = static_cast<std::int64_t>(bits >> 52) - 1023;
        const std::uint64_t fraction = bits & ((std::uint64_t{1} << 52) - 1);
        const ExponentialIndexTable::Part& part = parts_[fraction >> part_shift_];
        const std::int64_t fine =
            e * (std::int64_t{1} << fine_scale_) + part.below + (fraction > part.threshold ? 1 : 0);
        return shift_ == 0 ? fine : floor_shift(fine, shift_);
    }

private:
    const ExponentialIndexTable::Part* parts_;  // of a table that lives as long as the program
    int fine_scale_;
    int shift_;
    int part_shift_;
};

}  // namespace detail
}  // namespace gputime
