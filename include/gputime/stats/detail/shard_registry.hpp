// SPDX-License-Identifier: MIT
// gputime/stats/detail/shard_registry.hpp - one shard per recording thread, found without a lock.
//
// A per-thread cache of the last few (registry id, shard) pairs answers the hot path with one
// compare; a miss looks the thread up (or adds its shard) under the registry's mutex, which
// only a thread's first record and a reader copying the list of shards take. Registry ids and
// thread tokens are never reused (a std::thread::id is: a thread started after another ended
// may get its id, and would inherit its shard and its first call), so an entry of a destroyed
// registry or of an ended thread never matches again. Shards never move and live as long as
// the registry, so a reader may use them after releasing the mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace gputime {
namespace detail {

template <class Shard>
class ShardRegistry {
public:
    ShardRegistry() : id_(next_id()) {}
    ShardRegistry(const ShardRegistry&) = delete;
    ShardRegistry& operator=(const ShardRegistry&) = delete;
    ~ShardRegistry() = default;

    /// The calling thread's shard, made by `make()` (under the mutex) the first time.
    template <class Make>
    Shard& local(Make&& make) {
        Entry* cache = thread_cache();
        if (cache[0].id == id_) return *cache[0].shard;
        return local_slow(std::forward<Make>(make));
    }

    /// The calling thread's shard if the cache has it at hand (the hot path), else nullptr.
    Shard* cached() const noexcept {
        const Entry* cache = thread_cache();
        return cache[0].id == id_ ? cache[0].shard : nullptr;
    }

    /// This thread's token: unique among every thread of the process, ever (never 0).
    static std::uint64_t thread_token() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        static thread_local const std::uint64_t token = counter.fetch_add(1, std::memory_order_relaxed) + 1;
        return token;
    }

    /// Every shard, in the order their threads first recorded.
    std::vector<Shard*> shards() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        std::vector<Shard*> out;
        out.reserve(shards_.size());
        for (const auto& s : shards_) out.push_back(s.get());
        return out;
    }
    std::size_t size() const {
        const std::lock_guard<std::mutex> lock(mutex_);
        return shards_.size();
    }

private:
    struct Entry {
        std::uint64_t id = 0;
        Shard* shard = nullptr;
    };
    static constexpr std::size_t cache_size = 4;

    static Entry* thread_cache() noexcept {
        static thread_local Entry cache[cache_size];
        return cache;
    }
    static std::uint64_t next_id() noexcept {
        static std::atomic<std::uint64_t> counter{0};
        return counter.fetch_add(1, std::memory_order_relaxed) + 1;  // never 0, never reused
    }

    template <class Make>
    Shard& local_slow(Make&& make) {
        Entry* cache = thread_cache();
        Shard* found = nullptr;
        std::size_t at = cache_size - 1;  // the entry to drop: this one's, or the oldest
        for (std::size_t i = 1; i < cache_size; ++i)
            if (cache[i].id == id_) {
                found = cache[i].shard;
                at = i;
            }
        if (found == nullptr) {
            const std::uint64_t me = thread_token();
            const std::lock_guard<std::mutex> lock(mutex_);
            for (const auto& s : shards_)
                if (s->owner == me) found = s.get();
            if (found == nullptr) {
                shards_.push_back(make(me));
                found = shards_.back().get();
            }
        }
        // Most recently used first: the hot path compares one entry.
        for (std::size_t i = at; i > 0; --i) cache[i] = cache[i - 1];
        cache[0] = Entry{id_, found};
        return *found;
    }

    const std::uint64_t id_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Shard>> shards_;  // guarded by mutex_; shards never move
};

}  // namespace detail
}  // namespace gputime
