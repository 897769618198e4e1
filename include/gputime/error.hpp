// gputime/error.hpp - the exceptions gputime throws.
//
// Library code never calls exit() or abort(): every failure is one of these types, so the
// caller decides, and samples collected before the failure stay readable.
#pragma once

#include <stdexcept>
#include <string>

namespace gputime {

/// Base of every gputime exception.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A CUDA runtime call failed. Carries the call, CUDA's numeric code, its name and its text.
class CudaError : public Error {
public:
    CudaError(std::string call, int code, std::string name, std::string description)
        : Error(compose(call, code, name, description)),
          call_(std::move(call)),
          code_(code),
          name_(std::move(name)),
          description_(std::move(description)) {}

    const std::string& call() const noexcept { return call_; }                 // "cudaEventRecord"
    int code() const noexcept { return code_; }                                // 35
    const std::string& name() const noexcept { return name_; }                 // "cudaErrorInsufficientDriver"
    const std::string& description() const noexcept { return description_; }  // CUDA's own text

private:
    static std::string compose(const std::string& call, int code, const std::string& name,
                               const std::string& description) {
        std::string text = "gputime: " + call + " failed: " + name + " (" + std::to_string(code) +
                           "): " + description;
        // The two errors every machine without a working GPU produces deserve a plain hint.
        if (code == 35) text += " [the NVIDIA driver is missing or older than this CUDA runtime; no usable GPU here?]";
        if (code == 100) text += " [no GPU is visible to this process; check CUDA_VISIBLE_DEVICES]";
        return text;
    }

    std::string call_;
    int code_;
    std::string name_;
    std::string description_;
};

/// A device mark did not complete within the clock's resolve timeout: a hung kernel, or
/// work that waits on something that never happens. Thrown instead of hanging forever.
class TimeoutError : public Error {
public:
    using Error::Error;
};

}  // namespace gputime
