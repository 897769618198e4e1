// SPDX-License-Identifier: MIT
// gputime/stats/shared_stats.hpp - one accumulator that many threads record into at once.
//
//   gputime::SharedStats latency;                     // shared by every worker thread
//   // in any thread:
//   latency.add(d);                                   // thread-safe
//   {
//       auto lease = latency.lease();                 // this thread's shard, locked
//       gputime::ScopedTimer timer(lease.stats(), clock);   // any host clock
//       handle(request);
//   }
//   // in any thread, at any time:
//   gputime::Stats now = latency.snapshot();          // every shard, merged
//
// Each thread records into a shard of its own (its first add() creates it), so threads never
// wait for one another: a shard's mutex is taken by its thread for each add() (uncontended: a
// few nanoseconds) and by snapshot() while it copies that shard. Nothing is lost: snapshot()
// sees every sample added before it started, and calls() counts them all.
//
// * The first call is per thread: a thread's first duration is its shard's first call (a
//   thread's first request pays its own cold start: thread-local caches, handles, pages), and
//   snapshot() pools them as Stats::merge does (first_call() is their mean, first_call_count()
//   how many threads recorded).
// * snapshot() merges the shards in the order the threads first recorded; within a shard the
//   samples keep their order. A thread that ends keeps its shard (its samples stay counted).
// * Leases. lease() locks the calling thread's shard for as long as the lease lives and hands
//   out its accumulator (a Stats&), so a ScopedTimer can write into it; snapshot() waits for
//   the lease to end. While a thread holds a lease it must record through lease.stats(), not
//   add() or another lease (that would wait for itself), and not call snapshot().
// * Host clocks only. A GPU clock delivers its samples when the Stats is read or the clock
//   synchronised, from whichever thread does that: give each GPU thread its own Stats and
//   clock, and merge() them instead.
// * Lifetime: the SharedStats must outlive every thread's use of it (as any shared object);
//   a lease must end before it does. It is neither copyable nor movable (threads hold its shards).
//
// SharedBoundedStats is the same over BoundedStats: fixed memory per thread (44 KiB), for
// serving loops that never stop; snapshot() returns a BoundedStats.
#pragma once

#include <gputime/stats/bounded_stats.hpp>
#include <gputime/core/duration.hpp>
#include <gputime/stats/stats.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gputime {

template <class Accumulator>
class BasicSharedStats {
    struct Shard {
        explicit Shard(std::thread::id id) : owner(id) {}
        std::mutex mutex;
        Accumulator accumulator;
        const std::thread::id owner;
    };

public:
    BasicSharedStats() : id_(next_id()) {}
    BasicSharedStats(const BasicSharedStats&) = delete;
    BasicSharedStats& operator=(const BasicSharedStats&) = delete;
    ~BasicSharedStats() = default;

    /// Adds one duration to the calling thread's shard (its first is that thread's first call).
    /// Thread-safe. Throws what Accumulator::add throws (InvalidArgument for a bad duration),
    /// and std::bad_alloc if the thread's first shard cannot be made.
    void add(Duration d) {
        Shard& shard = local_shard();
        const std::lock_guard<std::mutex> lock(shard.mutex);
        shard.accumulator.add(d);
    }

    /// The calling thread's shard, locked until the lease ends (see the header).
    class Lease {
    public:
        Accumulator& stats() noexcept { return *accumulator_; }
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) noexcept = default;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() = default;

    private:
        friend class BasicSharedStats;
        explicit Lease(Shard& shard) : lock_(shard.mutex), accumulator_(&shard.accumulator) {}
        std::unique_lock<std::mutex> lock_;
        Accumulator* accumulator_;
    };
    Lease lease() { return Lease(local_shard()); }

    /// Every shard merged into one accumulator. Thread-safe while other threads add().
    Accumulator snapshot() const {
        Accumulator all;
        const std::lock_guard<std::mutex> registry(registry_mutex_);
        for (const auto& shard : shards_) {
            const std::lock_guard<std::mutex> lock(shard->mutex);
            all.merge(shard->accumulator);
        }
        return all;
    }
    /// Every duration recorded by every thread (steady samples plus first calls).
    std::uint64_t calls() const {
        std::uint64_t n = 0;
        const std::lock_guard<std::mutex> registry(registry_mutex_);
        for (const auto& shard : shards_) {
            const std::lock_guard<std::mutex> lock(shard->mutex);
            n += static_cast<std::uint64_t>(shard->accumulator.calls());
        }
        return n;
    }
    /// Threads that have recorded (one shard each).
    std::size_t shard_count() const {
        const std::lock_guard<std::mutex> registry(registry_mutex_);
        return shards_.size();
    }

private:
    static std::uint64_t next_id() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        return counter.fetch_add(1, std::memory_order_relaxed) + 1;  // never 0, never reused
    }

    // The calling thread's shard: a per-thread cache of the last few (instance id, shard)
    // pairs answers without a lock; a miss looks the thread up (or adds it) under the registry
    // lock. Ids are never reused, so an entry of a destroyed SharedStats never matches again.
    Shard& local_shard() {
        struct Entry {
            std::uint64_t id = 0;
            Shard* shard = nullptr;
        };
        static thread_local Entry cache[4];
        static thread_local unsigned next_slot = 0;
        for (Entry& e : cache)
            if (e.id == id_) return *e.shard;
        Shard* shard = find_or_add(std::this_thread::get_id());
        cache[next_slot] = Entry{id_, shard};
        next_slot = (next_slot + 1) % 4;
        return *shard;
    }
    Shard* find_or_add(std::thread::id me) {
        const std::lock_guard<std::mutex> registry(registry_mutex_);
        for (const auto& shard : shards_)
            if (shard->owner == me) return shard.get();
        shards_.push_back(std::make_unique<Shard>(me));
        return shards_.back().get();
    }

    const std::uint64_t id_;
    mutable std::mutex registry_mutex_;
    std::vector<std::unique_ptr<Shard>> shards_;  // guarded by registry_mutex_; shards never move
};

/// Exact statistics (every sample kept), recorded by many threads.
using SharedStats = BasicSharedStats<Stats>;
/// Bounded-memory statistics (44 KiB a thread), recorded by many threads.
using SharedBoundedStats = BasicSharedStats<BoundedStats>;

}  // namespace gputime
