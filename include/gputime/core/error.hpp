// SPDX-License-Identifier: MIT
// gputime/core/error.hpp - the exceptions gputime throws.
//
// Library code never calls exit() or abort() (except RunOptions::from_args, which handles a
// program's command line as its name says: --help exits 0, a bad option exits 2), so the
// caller decides, and samples collected before a failure stay readable:
//  * gputime::Error (CudaError, TimeoutError): the device or the runtime failed;
//  * gputime::InvalidArgument: a caller passed a value that cannot be used; nothing changed;
//  * std::logic_error: a read that has no answer yet (a statistic of an empty Stats).
#pragma once

#include <gputime/core/cuda_status.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace gputime {

/// Base of every gputime exception.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A CUDA runtime call failed. Carries the call, CUDA's numeric code, its name and its text.
class CudaError : public Error {
public:
    /// Records a failed runtime call: its name, CUDA's numeric code, the code's name and text.
    CudaError(std::string call, int code, std::string name, std::string description)
        : Error(compose(call, code, name, description)),
          call_(std::move(call)),
          code_(code),
          name_(std::move(name)),
          description_(std::move(description)) {}

    const std::string& call() const noexcept { return call_; }  ///< The call that failed: "cudaEventRecord".
    int code() const noexcept { return code_; }                 ///< CUDA's numeric code: 35.
    const std::string& name() const noexcept { return name_; }  ///< "cudaErrorInsufficientDriver".
    const std::string& description() const noexcept { return description_; }  ///< CUDA's own text for the code.

private:
    static std::string compose(const std::string& call, int code, const std::string& name,
                               const std::string& description) {
        std::string text = "gputime: " + call + " failed: " + name + " (" + std::to_string(code) + "): " + description;
        // The two errors every machine without a working GPU produces deserve a plain hint.
        if (code == cuda_status::insufficient_driver)
            text += " [the NVIDIA driver is missing or older than this CUDA runtime; no usable GPU here?]";
        if (code == cuda_status::no_device) text += " [no GPU is visible to this process; check CUDA_VISIBLE_DEVICES]";
        return text;
    }

    std::string call_;
    int code_;
    std::string name_;
    std::string description_;
};

/// A public entry point was given a value it cannot use (a NaN duration, a percentile outside
/// [0, 100], a negative timeout...). Thrown before anything changes: the object that refused
/// the value is as it was. A std::invalid_argument, so generic handlers catch it too; parameter()
/// names the argument, and what() says which call refused which value and why.
class InvalidArgument : public std::invalid_argument {
public:
    /// what() reads "gputime::<where>: <parameter> <problem>".
    InvalidArgument(std::string where, std::string parameter, const std::string& problem)
        : std::invalid_argument("gputime::" + where + ": " + parameter + " " + problem),
          where_(std::move(where)),
          parameter_(std::move(parameter)) {}

    const std::string& where() const noexcept { return where_; }          ///< The call that refused: "Stats::add".
    const std::string& parameter() const noexcept { return parameter_; }  ///< The refused argument: "duration".

private:
    std::string where_;
    std::string parameter_;
};

/// A device mark did not complete within the clock's resolve timeout: a hung kernel, or
/// work that waits on something that never happens. Thrown instead of hanging forever.
class TimeoutError : public Error {
public:
    using Error::Error;
};

}  // namespace gputime
