// SPDX-License-Identifier: MIT
// gputime/cuda/detail/nvml_loader.hpp - NVML's functions, loaded at run time with dlopen.
//
// No link dependency: a program using gputime runs where NVML (the driver's libnvidia-ml.so.1)
// is absent, and simply has no telemetry there. The function types come from nvml.h when it
// is on the include path (the CUDA toolkit ships it; static_asserts check them against its
// prototypes), else from the declarations below, which follow NVML's stable C ABI: nvmlReturn_t
// and the enums are C enums (int), nvmlDevice_t an opaque pointer. Deprecated entry points
// (nvmlDeviceGetTemperature, nvmlDeviceGetCurrentClocksThrottleReasons) are looked up by name
// only, never by address, so a newer nvml.h's deprecation warnings do not fire.
// On glibc before 2.34, dlopen lives in libdl: link -ldl (CMake: ${CMAKE_DL_LIBS}).
#pragma once

#if defined(__has_include)
#if !defined(GPUTIME_NO_NVML_HEADER) && __has_include(<nvml.h>)
#include <nvml.h>
#define GPUTIME_DETAIL_HAVE_NVML_H 1
#endif
#if __has_include(<dlfcn.h>)
#include <dlfcn.h>
#define GPUTIME_DETAIL_HAVE_DLFCN 1
#endif
#endif

#include <cstdint>
#include <string>
#include <type_traits>

namespace gputime::detail::nvml {

#if defined(GPUTIME_DETAIL_HAVE_NVML_H)
using Return = nvmlReturn_t;
using Device = nvmlDevice_t;
using ClockType = nvmlClockType_t;
using TemperatureSensor = nvmlTemperatureSensors_t;
inline constexpr Return success = NVML_SUCCESS;
inline constexpr ClockType clock_sm = NVML_CLOCK_SM;
inline constexpr ClockType clock_mem = NVML_CLOCK_MEM;
inline constexpr TemperatureSensor temperature_gpu = NVML_TEMPERATURE_GPU;
#else
using Return = int;  // nvmlReturn_t
struct DeviceHandle;
using Device = DeviceHandle*;                            // nvmlDevice_t
using ClockType = int;                                   // nvmlClockType_t
using TemperatureSensor = int;                           // nvmlTemperatureSensors_t
inline constexpr Return success = 0;                     // NVML_SUCCESS
inline constexpr ClockType clock_sm = 1;                 // NVML_CLOCK_SM
inline constexpr ClockType clock_mem = 2;                // NVML_CLOCK_MEM
inline constexpr TemperatureSensor temperature_gpu = 0;  // NVML_TEMPERATURE_GPU
#endif

/// nvmlTemperature_v1_t, the argument of nvmlDeviceGetTemperatureV.
struct TemperatureV1 {
    unsigned int version;  // sizeof(TemperatureV1) | (1 << 24): NVML_STRUCT_VERSION(Temperature, 1)
    TemperatureSensor sensor;
    int temperature;
};
inline constexpr unsigned int temperature_v1_version = static_cast<unsigned int>(sizeof(TemperatureV1)) | (1u << 24);

using InitFn = Return (*)();
using ShutdownFn = Return (*)();
using ErrorStringFn = const char* (*)(Return);
using HandleByIndexFn = Return (*)(unsigned int, Device*);
using HandleByPciBusIdFn = Return (*)(const char*, Device*);
using NameFn = Return (*)(Device, char*, unsigned int);
using ClockInfoFn = Return (*)(Device, ClockType, unsigned int*);  // nvmlDeviceGetClockInfo, ...GetMaxClockInfo
using ReasonsFn = Return (*)(Device, unsigned long long*);
using TemperatureFn = Return (*)(Device, TemperatureSensor, unsigned int*);
using TemperatureVFn = Return (*)(Device, TemperatureV1*);
using PowerUsageFn = Return (*)(Device, unsigned int*);  // milliwatts
using DriverVersionFn = Return (*)(char*, unsigned int);
using CountFn = Return (*)(unsigned int*);                // nvmlDeviceGetCount_v2
using HandleByUuidFn = Return (*)(const char*, Device*);  // nvmlDeviceGetHandleByUUID
using UuidFn = Return (*)(Device, char*, unsigned int);   // nvmlDeviceGetUUID

#if defined(GPUTIME_DETAIL_HAVE_NVML_H)
static_assert(std::is_same<InitFn, decltype(&nvmlInit_v2)>::value, "nvmlInit_v2");
static_assert(std::is_same<ShutdownFn, decltype(&nvmlShutdown)>::value, "nvmlShutdown");
static_assert(std::is_same<ErrorStringFn, decltype(&nvmlErrorString)>::value, "nvmlErrorString");
static_assert(std::is_same<HandleByIndexFn, decltype(&nvmlDeviceGetHandleByIndex_v2)>::value,
              "nvmlDeviceGetHandleByIndex_v2");
static_assert(std::is_same<HandleByPciBusIdFn, decltype(&nvmlDeviceGetHandleByPciBusId_v2)>::value,
              "nvmlDeviceGetHandleByPciBusId_v2");
static_assert(std::is_same<NameFn, decltype(&nvmlDeviceGetName)>::value, "nvmlDeviceGetName");
static_assert(std::is_same<ClockInfoFn, decltype(&nvmlDeviceGetClockInfo)>::value, "nvmlDeviceGetClockInfo");
static_assert(std::is_same<ClockInfoFn, decltype(&nvmlDeviceGetMaxClockInfo)>::value, "nvmlDeviceGetMaxClockInfo");
static_assert(std::is_same<PowerUsageFn, decltype(&nvmlDeviceGetPowerUsage)>::value, "nvmlDeviceGetPowerUsage");
static_assert(std::is_same<DriverVersionFn, decltype(&nvmlSystemGetDriverVersion)>::value,
              "nvmlSystemGetDriverVersion");
static_assert(std::is_same<CountFn, decltype(&nvmlDeviceGetCount_v2)>::value, "nvmlDeviceGetCount_v2");
static_assert(std::is_same<HandleByUuidFn, decltype(&nvmlDeviceGetHandleByUUID)>::value, "nvmlDeviceGetHandleByUUID");
static_assert(std::is_same<UuidFn, decltype(&nvmlDeviceGetUUID)>::value, "nvmlDeviceGetUUID");
#if defined(nvmlClocksEventReasonGpuIdle)  // headers that have the "clocks event" names
static_assert(std::is_same<ReasonsFn, decltype(&nvmlDeviceGetCurrentClocksEventReasons)>::value,
              "nvmlDeviceGetCurrentClocksEventReasons");
#endif
#if defined(nvmlTemperature_v1)
static_assert(sizeof(TemperatureV1) == sizeof(nvmlTemperature_v1_t) && temperature_v1_version == nvmlTemperature_v1,
              "nvmlTemperature_v1_t");
static_assert(std::is_same<TemperatureVFn, Return (*)(Device, TemperatureV1*)>::value &&
                  std::is_same<decltype(&nvmlDeviceGetTemperatureV), Return (*)(Device, nvmlTemperature_t*)>::value,
              "nvmlDeviceGetTemperatureV");
#endif
#endif

/// The functions gputime uses. init, shutdown, error_string, the handle lookup and clock_info
/// are required; the others may be null (an older driver), and their metric is then absent.
struct Api {
    InitFn init = nullptr;                              // nvmlInit_v2
    ShutdownFn shutdown = nullptr;                      // nvmlShutdown
    ErrorStringFn error_string = nullptr;               // nvmlErrorString
    HandleByIndexFn handle_by_index = nullptr;          // nvmlDeviceGetHandleByIndex_v2
    HandleByPciBusIdFn handle_by_pci_bus_id = nullptr;  // nvmlDeviceGetHandleByPciBusId_v2
    NameFn name = nullptr;                              // nvmlDeviceGetName
    ClockInfoFn clock_info = nullptr;                   // nvmlDeviceGetClockInfo
    ClockInfoFn max_clock_info = nullptr;               // nvmlDeviceGetMaxClockInfo
    ReasonsFn clock_event_reasons = nullptr;  // nvmlDeviceGetCurrentClocksEventReasons, or the older ...ThrottleReasons
    TemperatureVFn temperature_v = nullptr;   // nvmlDeviceGetTemperatureV
    TemperatureFn temperature = nullptr;      // nvmlDeviceGetTemperature (when there is no V)
    PowerUsageFn power_usage = nullptr;       // nvmlDeviceGetPowerUsage
    DriverVersionFn driver_version = nullptr;  // nvmlSystemGetDriverVersion
    CountFn count = nullptr;                   // nvmlDeviceGetCount_v2 (null: one GPU is assumed)
    HandleByUuidFn handle_by_uuid = nullptr;   // nvmlDeviceGetHandleByUUID (required for a UUID)
    UuidFn uuid = nullptr;                     // nvmlDeviceGetUUID
};

/// The first required function `api` lacks, or nullptr. (handle_by_pci_bus_id is required
/// only when a PCI bus id is asked for.)
inline const char* missing_required(const Api& api, bool by_pci_bus_id) {
    if (api.init == nullptr) return "nvmlInit_v2";
    if (api.shutdown == nullptr) return "nvmlShutdown";
    if (api.error_string == nullptr) return "nvmlErrorString";
    if (by_pci_bus_id ? api.handle_by_pci_bus_id == nullptr : api.handle_by_index == nullptr)
        return by_pci_bus_id ? "nvmlDeviceGetHandleByPciBusId_v2" : "nvmlDeviceGetHandleByIndex_v2";
    if (api.clock_info == nullptr) return "nvmlDeviceGetClockInfo";
    return nullptr;
}

/// A dlopen()ed NVML: the handle (closed by the destructor) and its functions.
class Library {
public:
    Library() = default;
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;
    ~Library() { close(); }

    /// Opens `name` and looks its functions up. False, with `error` set to the reason, when it
    /// cannot be opened; a library without the required functions opens, and missing_required()
    /// says which is absent.
    bool open(const std::string& name, std::string& error) {
        close();
#if defined(GPUTIME_DETAIL_HAVE_DLFCN)
        // RTLD_LOCAL: NVML's symbols stay out of the global namespace of the process.
        handle_ = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle_ == nullptr) {
            error = name + " not found";
            return false;
        }
        load(api_.init, "nvmlInit_v2");
        load(api_.shutdown, "nvmlShutdown");
        load(api_.error_string, "nvmlErrorString");
        load(api_.handle_by_index, "nvmlDeviceGetHandleByIndex_v2");
        load(api_.count, "nvmlDeviceGetCount_v2");
        load(api_.handle_by_uuid, "nvmlDeviceGetHandleByUUID");
        load(api_.uuid, "nvmlDeviceGetUUID");
        load(api_.handle_by_pci_bus_id, "nvmlDeviceGetHandleByPciBusId_v2");
        load(api_.name, "nvmlDeviceGetName");
        load(api_.clock_info, "nvmlDeviceGetClockInfo");
        load(api_.max_clock_info, "nvmlDeviceGetMaxClockInfo");
        load(api_.clock_event_reasons, "nvmlDeviceGetCurrentClocksEventReasons");
        if (api_.clock_event_reasons == nullptr)
            load(api_.clock_event_reasons, "nvmlDeviceGetCurrentClocksThrottleReasons");  // drivers before R535
        load(api_.temperature_v, "nvmlDeviceGetTemperatureV");
        load(api_.temperature, "nvmlDeviceGetTemperature");
        load(api_.power_usage, "nvmlDeviceGetPowerUsage");
        load(api_.driver_version, "nvmlSystemGetDriverVersion");
        return true;
#else
        error = "this platform has no dlopen (" + name + " was not looked for)";
        return false;
#endif
    }

    const Api& api() const noexcept { return api_; }

private:
#if defined(GPUTIME_DETAIL_HAVE_DLFCN)
    template <class Fn>
    void load(Fn& fn, const char* symbol) {
        void* address = dlsym(handle_, symbol);
        // POSIX guarantees that a dlsym result converts to a function pointer; the cast goes
        // through an integer because ISO C++ does not (-Wpedantic would say so).
        fn = address != nullptr ? reinterpret_cast<Fn>(reinterpret_cast<std::uintptr_t>(address)) : nullptr;
    }
#endif
    void close() noexcept {
#if defined(GPUTIME_DETAIL_HAVE_DLFCN)
        if (handle_ != nullptr) dlclose(handle_);
#endif
        handle_ = nullptr;
        api_ = Api{};
    }

    void* handle_ = nullptr;
    Api api_{};
};

}  // namespace gputime::detail::nvml
