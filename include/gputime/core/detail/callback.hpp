// SPDX-License-Identifier: MIT
// gputime/core/detail/callback.hpp - a copyable, type-erased callable, like std::function
// without <functional> (whose C++17 searchers bring in hash tables and the algorithms: a large
// part of a light header's compile time).
//   detail::Callback<void(std::size_t)> work = [&](std::size_t i) { load(i); };
//   if (work) work(3);
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace gputime {
namespace detail {

template <class Signature>
class Callback;

template <class R, class... Args>
class Callback<R(Args...)> {
public:
    Callback() noexcept = default;
    Callback(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): as std::function
    template <class F, class D = std::decay_t<F>,
              class = std::enable_if_t<!std::is_same<D, Callback>::value && std::is_invocable_r<R, D&, Args...>::value>>
    Callback(F&& f) {  // NOLINT(google-explicit-constructor): as std::function
        using Given = std::remove_cv_t<std::remove_reference_t<F>>;  // a function itself is never null
        if constexpr (std::is_pointer<Given>::value || std::is_member_pointer<Given>::value) {
            if (f == nullptr) return;  // a null function pointer is an empty callback, as in std::function
        }
        target_ = new Holder<D>(std::forward<F>(f));
    }
    Callback(const Callback& other) : target_(other.target_ != nullptr ? other.target_->clone() : nullptr) {}
    Callback(Callback&& other) noexcept : target_(std::exchange(other.target_, nullptr)) {}
    Callback& operator=(Callback other) noexcept {
        std::swap(target_, other.target_);
        return *this;
    }
    ~Callback() { delete target_; }

    explicit operator bool() const noexcept { return target_ != nullptr; }
    /// Calls the target; an empty Callback must not be called (check with operator bool).
    R operator()(Args... args) const { return target_->call(std::forward<Args>(args)...); }

private:
    struct Target {
        virtual ~Target() = default;
        virtual R call(Args... args) = 0;
        virtual Target* clone() const = 0;
    };
    template <class F>
    struct Holder final : Target {
        explicit Holder(const F& g) : f(g) {}
        explicit Holder(F&& g) : f(std::move(g)) {}
        R call(Args... args) override {
            if constexpr (std::is_void<R>::value) {
                f(std::forward<Args>(args)...);
            } else {
                return f(std::forward<Args>(args)...);
            }
        }
        Target* clone() const override { return new Holder(f); }
        F f;
    };
    Target* target_ = nullptr;
};

}  // namespace detail
}  // namespace gputime
