// SPDX-License-Identifier: MIT
// gputime/cuda/detail/ring_buffer.hpp - a FIFO that allocates nothing once it has grown.
//
//   detail::RingBuffer<Pair> pending;  pending.push_back(p);  pending.front();  pending.pop_front();
// CudaEventClock keeps its pending event pairs here: a std::deque would allocate a block every
// few dozen pushes, this one only while the most elements held at once grows.
#pragma once

#include <cstddef>
#include <vector>

namespace gputime::detail {

template <class T>
class RingBuffer {
public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return slots_.size(); }
    T& front() noexcept { return slots_[head_]; }
    T& back() noexcept { return slots_[(head_ + size_ - 1) % slots_.size()]; }
    void pop_front() noexcept {
        head_ = next(head_);
        --size_;
    }
    /// Strong guarantee: throws std::bad_alloc with nothing changed.
    void push_back(const T& value) {
        if (size_ == slots_.size()) grow();
        slots_[(head_ + size_) % slots_.size()] = value;
        ++size_;
    }
    /// Calls f(element) for each element, oldest first.
    template <class F>
    void for_each(F f) noexcept {
        for (std::size_t i = 0; i < size_; ++i) f(slots_[(head_ + i) % slots_.size()]);
    }
    /// Removes, in order, the elements for which `remove(element)` is true (after calling it).
    template <class Predicate>
    void remove_if(Predicate remove) noexcept {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < size_; ++i) {
            T& element = slots_[(head_ + i) % slots_.size()];
            if (!remove(element)) slots_[(head_ + kept++) % slots_.size()] = element;
        }
        size_ = kept;
    }

private:
    std::size_t next(std::size_t i) const noexcept { return i + 1 == slots_.size() ? 0 : i + 1; }
    void grow() {
        std::vector<T> bigger(slots_.empty() ? 64 : 2 * slots_.size());
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = slots_[(head_ + i) % slots_.size()];
        slots_.swap(bigger);
        head_ = 0;
    }

    std::vector<T> slots_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace gputime::detail
