// SPDX-License-Identifier: MIT
// gputime/measure/detail/layer_names.hpp - interns (parent, name) pairs into dense layer ids.
//
// LayerProfiler looks a layer up on every scope it opens, and names may be runtime strings.
// std::unordered_map<std::string, ...> would need a std::string key (an allocation) for every
// lookup in C++17, which has no heterogeneous lookup; this table hashes a std::string_view
// instead and allocates only when a name is seen for the first time.
//
// A layer is identified by its parent layer and its name, so "conv" under "block1" and "conv"
// under "block2" are two layers, as in a call tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gputime::detail {

class LayerNames {
public:
    using Id = std::uint32_t;
    static constexpr Id none = 0xFFFFFFFFu;  // "no layer": the parent of a top-level layer

    /// The id of (parent, name), or `none` when it was never interned. Never allocates.
    Id find(Id parent, std::string_view name) const noexcept {
        if (slots_.empty()) return none;
        const std::uint64_t h = hash(parent, name);
        for (std::size_t i = h & mask();; i = (i + 1) & mask()) {
            const Slot& s = slots_[i];
            if (s.id == none) return none;
            if (s.hash == h && parents_[s.id] == parent && names_[s.id] == name) return s.id;
        }
    }

    /// The id of (parent, name), interning it (as the next dense id) when it is new.
    Id intern(Id parent, std::string_view name) {
        const Id found = find(parent, name);
        if (found != none) return found;
        if (names_.size() >= static_cast<std::size_t>(none) - 1)
            throw std::length_error("gputime::LayerProfiler: too many distinct layers");
        const Id id = static_cast<Id>(names_.size());
        names_.emplace_back(name);
        parents_.push_back(parent);
        // Keep the load factor at or below 1/2 so probe sequences stay short.
        if ((names_.size() * 2) > slots_.size()) rehash(slots_.empty() ? 64 : slots_.size() * 2);
        else place(Slot{hash(parent, name), id});
        return id;
    }

    /// True when `id` is (parent, name): the cheap check behind predicting the next layer.
    bool is(Id id, Id parent, std::string_view name) const noexcept {
        return id < names_.size() && parents_[id] == parent && names_[id] == name;
    }

    const std::string& name(Id id) const { return names_.at(id); }
    Id parent(Id id) const { return parents_.at(id); }
    std::size_t size() const noexcept { return names_.size(); }

private:
    struct Slot {
        std::uint64_t hash = 0;
        Id id = none;
    };

    static std::uint64_t hash(Id parent, std::string_view name) noexcept {
        const std::uint64_t h = std::hash<std::string_view>{}(name);
        return h ^ ((static_cast<std::uint64_t>(parent) + 1) * 0x9E3779B97F4A7C15ULL);
    }
    std::size_t mask() const noexcept { return slots_.size() - 1; }

    void place(Slot slot) noexcept {
        std::size_t i = slot.hash & mask();
        while (slots_[i].id != none) i = (i + 1) & mask();
        slots_[i] = slot;
    }
    void rehash(std::size_t capacity) {
        slots_.assign(capacity, Slot{});
        for (Id id = 0; id < names_.size(); ++id) place(Slot{hash(parents_[id], names_[id]), id});
    }

    std::vector<Slot> slots_;  // open addressing, linear probing, power-of-two size
    std::vector<std::string> names_;
    std::vector<Id> parents_;
};

}  // namespace gputime::detail
