// SPDX-License-Identifier: MIT
// gputime/stats/shared_stats.hpp - one accumulator that many threads record into at once,
// without locks on the recording path.
//
//   gputime::SharedStats latency;                     // shared by every worker thread
//   // in any thread:
//   latency.add(d);                                   // thread-safe, lock-free
//   {
//       auto lease = latency.lease();                 // this thread's scratch Stats
//       gputime::ScopedTimer timer(lease.stats(), clock);   // any host clock
//       handle(request);
//   }                                                 // recorded when the lease ends
//   // in any thread, at any time:
//   gputime::Stats now = latency.snapshot();          // every shard, merged
//
// Each thread records into a shard of its own, without locks; snapshot() merges the shards and
// never blocks a recording thread. How, and the rules (first calls, leases, lifetime):
// docs/statistics.md, "SharedStats and SharedBoundedStats".
#pragma once

#include <gputime/core/detail/sample_checks.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/stats/bounded_stats.hpp>
#include <gputime/stats/detail/exponential_index.hpp>
#include <gputime/stats/detail/rank_select.hpp>
#include <gputime/stats/detail/shard_registry.hpp>
#include <gputime/stats/detail/shifted_moments.hpp>
#include <gputime/stats/exponential_histogram.hpp>
#include <gputime/stats/stats.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gputime {

/// Exact statistics (every sample kept), recorded by many threads.
class SharedStats {
    struct Chunk {
        explicit Chunk(std::size_t n) : capacity(n), data(new double[n]) {}
        const std::size_t capacity;
        std::unique_ptr<double[]> data;
        std::atomic<Chunk*> next{nullptr};
    };
    struct alignas(64) Shard {
        explicit Shard(std::uint64_t id) : owner(id), head(new Chunk(first_chunk)) {
            tail = head;
            write = head->data.get();
            write_end = write + head->capacity;
        }
        Shard(const Shard&) = delete;
        Shard& operator=(const Shard&) = delete;
        ~Shard() {
            Chunk* c = head;
            while (c != nullptr) {
                Chunk* next = c->next.load(std::memory_order_relaxed);
                delete c;
                c = next;
            }
        }
        // Appends x: one store, one release store (the owner thread only).
        void append(double x) {
            if (write == write_end) grow();
            *write++ = x;
            published.store(++written, std::memory_order_release);
        }
        GPUTIME_NOINLINE_COLD void grow() {
            Chunk* c = new Chunk(std::min(tail->capacity * 2, max_chunk));
            tail->next.store(c, std::memory_order_release);
            tail = c;
            write = c->data.get();
            write_end = write + c->capacity;
        }

        const std::uint64_t owner;  // ShardRegistry::thread_token() of the recording thread
        Chunk* const head;
        // The owner's.
        Chunk* tail = nullptr;
        double* write = nullptr;
        double* write_end = nullptr;
        std::uint64_t written = 0;
        Stats scratch;  // a lease's Stats
        // Read by others.
        alignas(64) std::atomic<std::uint64_t> published{0};
    };
    static constexpr std::size_t first_chunk = 512;
    static constexpr std::size_t max_chunk = std::size_t{1} << 16;  // 512 KiB

public:
    SharedStats() = default;
    SharedStats(const SharedStats&) = delete;
    SharedStats& operator=(const SharedStats&) = delete;
    ~SharedStats() = default;

    /// Adds one duration to the calling thread's shard (its first is that thread's first call).
    /// Thread-safe, lock-free once the thread has a shard. Throws InvalidArgument (parameter
    /// "duration") for a NaN, infinite or negative `d` (nothing is recorded), and
    /// std::bad_alloc if the thread's shard cannot be made or grown.
    void add(Duration d) {
        const double x = d.count();
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("SharedStats::add", x);
        local_shard().append(x + 0.0);
    }

    /// The calling thread's scratch Stats, appended to its shard when the lease ends. A lease
    /// lives in one scope of the thread that made it: it cannot be moved (`auto lease =
    /// shared.lease();` needs no move), since another thread ending it would write this thread's
    /// shard while this thread does.
    class Lease {
    public:
        /// The Stats to record into (e.g. with a ScopedTimer) while the lease lives.
        Stats& stats() noexcept { return shard_->scratch; }
        Lease(Lease&&) = delete;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        /// Appends what stats() holds (its first call first, then its samples in order). A lease
        /// that cannot append all of it (out of memory, or a GPU clock's error while reading the
        /// Stats) is counted in SharedStats::failed_leases(), not thrown: a destructor must not
        /// throw. What it appended before the failure stays.
        ~Lease() {
            Stats& s = shard_->scratch;
            bool used = true;
            try {
                used = s.calls() != 0;
                if (used) {
                    if (s.has_first_call())
                        for (std::size_t i = 0; i < s.first_call_count(); ++i) shard_->append(s.first_call().count());
                    for (const Duration d : s.samples()) shard_->append(d.count());
                }
            } catch (...) {
                owner_->failed_leases_.fetch_add(1, std::memory_order_relaxed);
            }
            if (used) s = Stats{};  // noexcept: whatever is left is dropped
        }

    private:
        friend class SharedStats;
        Lease(SharedStats& owner, Shard& shard) : owner_(&owner), shard_(&shard) {}
        SharedStats* owner_;
        Shard* shard_;
    };
    /// A lease of the calling thread's scratch Stats (see Lease).
    Lease lease() { return Lease(*this, local_shard()); }
    /// Leases that ended without appending all they held (out of memory, a GPU clock's error):
    /// the rest of their durations is in neither snapshot() nor calls(). 0 unless one failed.
    std::uint64_t failed_leases() const noexcept { return failed_leases_.load(std::memory_order_relaxed); }

    /// Every shard merged into one Stats. Thread-safe while other threads add(); never makes
    /// them wait.
    Stats snapshot() const {
        const std::vector<Shard*> shards = registry_.shards();
        std::vector<std::uint64_t> lengths;
        std::uint64_t total = 0;
        for (const Shard* s : shards) {
            lengths.push_back(s->published.load(std::memory_order_acquire));
            total += lengths.back();
        }
        Stats all;
        all.reserve(static_cast<std::size_t>(total));
        for (std::size_t k = 0; k < shards.size(); ++k) {
            std::uint64_t left = lengths[k];
            bool first = true;
            for (const Chunk* c = shards[k]->head; left != 0; c = c->next.load(std::memory_order_acquire)) {
                const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, c->capacity));
                for (std::size_t i = 0; i < n; ++i) {
                    if (first) {
                        Stats one;
                        one.set_first_call(Duration{c->data[i]});
                        all.merge(one);
                        first = false;
                    } else {
                        all.add_steady(Duration{c->data[i]});
                    }
                }
                left -= n;
            }
        }
        return all;
    }
    /// Every duration recorded by every thread (steady samples plus first calls).
    std::uint64_t calls() const {
        std::uint64_t n = 0;
        for (const Shard* s : registry_.shards()) n += s->published.load(std::memory_order_acquire);
        return n;
    }
    /// Threads that have recorded (one shard each).
    std::size_t shard_count() const { return registry_.size(); }

private:
    Shard& local_shard() {
        return registry_.local([](std::uint64_t me) { return std::unique_ptr<Shard>(new Shard(me)); });
    }
    detail::ShardRegistry<Shard> registry_;
    std::atomic<std::uint64_t> failed_leases_{0};
};

/// Bounded-memory statistics in the exponential layout (64 KiB a thread at scale 7), recorded by
/// many threads; snapshot() is a BoundedStats (and its histogram() the export).
class SharedBoundedStats {
    // The sums a reader copies under the sequence number (relaxed atomics: one writer).
    struct PublishedSums {
        std::atomic<std::uint64_t> n{0};
        std::atomic<double> shift{0.0}, s1_hi{0.0}, s1_lo{0.0}, s2_hi{0.0}, s2_lo{0.0};
        std::atomic<std::uint64_t> next_recentre{8};
        std::atomic<double> min{0.0}, max{0.0};
        std::atomic<std::uint64_t> first_call_count{0};
        std::atomic<double> first_call_sum{0.0};
    };
    struct SumsCopy {
        detail::ShiftedMoments::Parts moments;
        double min = 0.0, max = 0.0;
        std::uint64_t first_call_count = 0;
        double first_call_sum = 0.0;
    };

    struct alignas(64) Shard {
        Shard(std::uint64_t id, int s)
            : owner(id),
              scale(s),
              indexer(s),
              lo(window_lo(s)),
              size(static_cast<std::size_t>(window_hi(s) - window_lo(s) + 1)),
              counts(new std::atomic<std::uint64_t>[size]) {
            for (std::size_t i = 0; i < size; ++i) counts[i].store(0, std::memory_order_relaxed);
        }
        Shard(const Shard&) = delete;
        Shard& operator=(const Shard&) = delete;
        ~Shard() = default;

        // The sample's bucket, the sums, then the published copy, between an odd and an even
        // sequence number (the owner thread only).
        // The bucket last, with a release store: a reader that sees the count (acquire) sees
        // the sums that hold it.
        void record(double x) {
            begin_write();
            if (moments.count() == 0) {
                moments.start(x);
                min = max = x;
            } else {
                moments.add(x);
                min = x < min ? x : min;
                max = x > max ? x : max;
            }
            publish_sums();
            const std::uint64_t slot = static_cast<std::uint64_t>(indexer(x) - lo);
            if (slot < size) {
                std::atomic<std::uint64_t>& c = counts[static_cast<std::size_t>(slot)];
                c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_release);
            } else {
                record_outside(x);
            }
            end_write();
        }
        void record_first_call(double x) {
            begin_write();
            first_call_count = 1;
            first_call_sum = x;
            publish_sums();
            end_write();
        }
        GPUTIME_NOINLINE_COLD void record_outside(double x) {
            if (x <= ExponentialHistogram::zero_threshold_ns) {
                zero.store(zero.load(std::memory_order_relaxed) + 1, std::memory_order_release);
                return;
            }
            const std::lock_guard<std::mutex> lock(outside_mutex);
            ++outside[indexer(x)];
        }
        // A seqlock without fences (ThreadSanitizer does not model them): the owner stores an odd
        // sequence number, then every published field with a release store (ordered after the odd
        // number), then the even number; a reader loads the fields with acquire loads between two
        // loads of the number. A reader that sees any field of an unfinished write also sees the
        // odd number (or a later one) and tries again. On x86 these are plain moves.
        void begin_write() noexcept { sequence.store(++written, std::memory_order_relaxed); }
        void end_write() noexcept { sequence.store(++written, std::memory_order_release); }
        void publish_sums() noexcept {
            const detail::ShiftedMoments::Parts p = moments.parts();
            constexpr auto release = std::memory_order_release;
            sums.n.store(p.n, release);
            sums.shift.store(p.shift, release);
            sums.s1_hi.store(p.s1_hi, release);
            sums.s1_lo.store(p.s1_lo, release);
            sums.s2_hi.store(p.s2_hi, release);
            sums.s2_lo.store(p.s2_lo, release);
            sums.next_recentre.store(p.next_recentre, release);
            sums.min.store(min, release);
            sums.max.store(max, release);
            sums.first_call_count.store(first_call_count, release);
            sums.first_call_sum.store(first_call_sum, release);
        }
        // A consistent copy of the sums: retried while the owner is writing them (a write is a
        // few nanoseconds; the owner never waits for this).
        SumsCopy read_sums() const {
            constexpr auto acquire = std::memory_order_acquire;
            for (unsigned attempt = 0;; ++attempt) {
                const std::uint64_t before = sequence.load(acquire);
                if ((before & 1) == 0) {
                    SumsCopy c;
                    c.moments.n = sums.n.load(acquire);
                    c.moments.shift = sums.shift.load(acquire);
                    c.moments.s1_hi = sums.s1_hi.load(acquire);
                    c.moments.s1_lo = sums.s1_lo.load(acquire);
                    c.moments.s2_hi = sums.s2_hi.load(acquire);
                    c.moments.s2_lo = sums.s2_lo.load(acquire);
                    c.moments.next_recentre = sums.next_recentre.load(acquire);
                    c.min = sums.min.load(acquire);
                    c.max = sums.max.load(acquire);
                    c.first_call_count = sums.first_call_count.load(acquire);
                    c.first_call_sum = sums.first_call_sum.load(acquire);
                    if (sequence.load(std::memory_order_relaxed) == before) return c;
                }
                if (attempt % 64 == 63) std::this_thread::yield();
            }
        }

        const std::uint64_t owner;  // ShardRegistry::thread_token() of the recording thread
        const int scale;
        const detail::ExponentialIndexer indexer;
        const std::int64_t lo;   // bucket index of counts[0]
        const std::size_t size;  // buckets of 2^-40 s .. 2^24 s
        const std::unique_ptr<std::atomic<std::uint64_t>[]> counts;
        // The owner's.
        std::uint64_t written = 0;  // last sequence number stored
        std::uint64_t steady_below = 0;
        detail::ShiftedMoments moments;
        double min = 0.0, max = 0.0;
        std::uint64_t first_call_count = 0;
        double first_call_sum = 0.0;
        // Read by others.
        alignas(64) std::atomic<std::uint64_t> sequence{0};
        std::atomic<std::uint64_t> zero{0};
        PublishedSums sums;
        mutable std::mutex outside_mutex;
        std::map<std::int64_t, std::uint64_t> outside;  // buckets outside the window (guarded)
    };
    // The fixed window of a shard: buckets of (2^-40 s, 2^24 s], as indices at `scale`.
    static std::int64_t window_lo(int scale) noexcept {
        return detail::floor_shift(std::int64_t{-40} * 256, 8 - scale);
    }
    static std::int64_t window_hi(int scale) noexcept {
        return detail::floor_shift(std::int64_t{24} * 256 - 1, 8 - scale);
    }

public:
    /// Throws InvalidArgument ("scale") for a scale outside [-4, 8].
    explicit SharedBoundedStats(int scale = BoundedStats::default_scale) : scale_(scale) {
        ExponentialHistogram::check_scale("SharedBoundedStats", scale);
    }
    SharedBoundedStats(const SharedBoundedStats&) = delete;
    SharedBoundedStats& operator=(const SharedBoundedStats&) = delete;
    ~SharedBoundedStats() = default;

    /// Adds one duration to the calling thread's shard (its first is that thread's first call).
    /// Thread-safe, lock-free once the thread has a shard. Throws InvalidArgument (parameter
    /// "duration") for a NaN, infinite or negative `d` (nothing is recorded), and
    /// std::bad_alloc if the thread's shard cannot be made.
    void add(Duration d) {
        const double x = d.count();
        if (Shard* s = registry_.cached()) {
            if (detail::order_key(x) < s->steady_below) {
                s->record(x);
                return;
            }
        }
        add_rare(x);
    }

    /// Every shard merged into one BoundedStats (see the header). Thread-safe while other
    /// threads add(); never makes them wait.
    BoundedStats snapshot() const {
        BoundedStats all(scale_);
        for (const Shard* s : registry_.shards()) all.merge(read_shard(*s));
        return all;
    }
    /// snapshot().histogram(): the export of every shard.
    ExponentialHistogram histogram() const { return snapshot().histogram(); }
    /// Every duration recorded by every thread (steady samples plus first calls).
    std::uint64_t calls() const {
        std::uint64_t n = 0;
        for (const Shard* s : registry_.shards()) {
            const SumsCopy c = s->read_sums();
            n += c.moments.n + c.first_call_count;
        }
        return n;
    }
    /// Threads that have recorded (one shard each).
    std::size_t shard_count() const { return registry_.size(); }
    /// The scale every shard records at.
    int scale() const noexcept { return scale_; }

private:
    Shard& local_shard() {
        const int scale = scale_;
        return registry_.local([scale](std::uint64_t me) { return std::unique_ptr<Shard>(new Shard(me, scale)); });
    }
    // A thread's first samples, a -0, a bad duration (refused before the thread gets a shard).
    GPUTIME_NOINLINE_COLD void add_rare(double x) {
        if (!detail::valid_duration(x)) detail::throw_invalid_duration("SharedBoundedStats::add", x);
        Shard& s = local_shard();
        if (s.first_call_count == 0) {
            s.record_first_call(x + 0.0);
        } else {
            s.record(x + 0.0);  // the first steady sample, or a -0
        }
        s.steady_below = s.first_call_count != 0 && s.moments.count() != 0
                             ? detail::order_key(std::numeric_limits<double>::infinity())
                             : 0;
    }

    // One shard as a BoundedStats: its range of buckets (from the smallest to the largest sample
    // recorded before this began), then the sums, which hold every sample those buckets hold.
    static BoundedStats read_shard(const Shard& s) {
        BoundedStats b(s.scale);
        const SumsCopy before = s.read_sums();
        std::uint64_t counted = 0;
        if (before.moments.n != 0) {
            std::int64_t first = 0, last = static_cast<std::int64_t>(s.size) - 1;
            if (before.min > ExponentialHistogram::zero_threshold_ns)
                first = std::max<std::int64_t>(first, s.indexer(before.min) - s.lo);
            last = std::min<std::int64_t>(last, s.indexer(before.max) - s.lo);
            if (first <= last) {
                b.cover(s.lo + first, s.lo + last, s.scale);  // may lower b's scale (scale 8)
                const int d = s.scale - b.scale_;
                for (std::int64_t i = first; i <= last; ++i) {
                    const std::uint64_t c = s.counts[static_cast<std::size_t>(i)].load(std::memory_order_acquire);
                    b.counts_[static_cast<std::size_t>(detail::floor_shift(s.lo + i, d) - b.offset_)] += c;
                    counted += c;
                }
            }
            const std::uint64_t zeros = s.zero.load(std::memory_order_acquire);
            b.zero_count_ = zeros;
            counted += zeros;
            const std::lock_guard<std::mutex> lock(s.outside_mutex);
            for (const auto& bucket : s.outside) {
                b.cover(bucket.first, bucket.first, s.scale);
                const int d = s.scale - b.scale_;
                b.counts_[static_cast<std::size_t>(detail::floor_shift(bucket.first, d) - b.offset_)] += bucket.second;
                counted += bucket.second;
            }
        }
        const SumsCopy after = s.read_sums();
        b.count_ = counted;
        if (counted != 0) {
            b.min_ = after.min;
            b.max_ = after.max;
            b.moments_ = detail::ShiftedMoments::from_parts(after.moments);
        }
        b.first_call_count_ = after.first_call_count;
        b.first_call_sum_ = after.first_call_sum;
        b.update_steady_below();
        return b;
    }

    const int scale_;
    detail::ShardRegistry<Shard> registry_;
};

}  // namespace gputime
