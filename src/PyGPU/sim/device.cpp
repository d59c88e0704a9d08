#include "PyGPU/sim/device.h"

#include <atomic>
#include <cstring>

#include "PyGPU/sim/mempool.h"
#include "PyGPU/sim/reset.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {

// CUDA 13.0, reported as both the driver and the runtime version (the
// simulator is its own driver).
constexpr int kCudaVersion = 13000;

// The current device of a thread is only valid for the devices it was set
// on: when configure replaces them, every thread's current device is 0 again
// (a thread's device 3 may not exist any more). The epoch tells.
PYGPU_SIM_HOT_TLS thread_local int tl_current_device = 0;
PYGPU_SIM_HOT_TLS thread_local uint64_t tl_device_epoch = 0;
std::atomic<uint64_t> g_device_epoch{0};

}  // namespace

int current_device() {
    const uint64_t epoch = g_device_epoch.load(std::memory_order_acquire);
    if (tl_device_epoch != epoch) {
        tl_current_device = 0;
        tl_device_epoch = epoch;
    }
    return tl_current_device;
}

void reset_current_device() {
    current_device();
    tl_current_device = 0;
}

void forget_current_devices() {
    g_device_epoch.fetch_add(1, std::memory_order_acq_rel);
}

int check_device(const State& st, int device, const char* what) {
    const int count = static_cast<int>(st.devices.size());
    if (device >= 0 && device < count) return err::cudaSuccess;
    return fail(err::cudaErrorInvalidDevice, "%s %d is not a valid device ordinal: the simulator has %d device%s (0..%d)",
                what, device, count, count == 1 ? "" : "s", count - 1);
}

void fill_properties(const Device& d, pygpu_device_prop* prop) {
    std::memset(prop, 0, sizeof *prop);
    std::strncpy(prop->name, "PyGPU Simulated Device", sizeof prop->name - 1);
    // Shaped after an A100 (compute capability 8.0), the device most CUDA
    // code is tuned for, with the configured amount of memory.
    prop->totalGlobalMem = d.capacity;
    prop->sharedMemPerBlock = 49152;
    prop->regsPerBlock = 65536;
    prop->warpSize = 32;
    prop->memPitch = 2147483647;
    prop->maxThreadsPerBlock = 1024;
    prop->totalConstMem = 65536;
    prop->major = 8;
    prop->minor = 0;
    prop->textureAlignment = 512;
    prop->multiProcessorCount = 108;
    prop->integrated = 0;
    prop->canMapHostMemory = 1;
    prop->concurrentKernels = 1;
    prop->ECCEnabled = 0;
    prop->pciBusID = d.index + 1;  // bus 0 is the host bridge on real machines
    prop->pciDeviceID = 0;
    prop->pciDomainID = 0;
    prop->memoryBusWidth = 5120;
    prop->l2CacheSize = 40 * 1024 * 1024;
    prop->maxThreadsPerMultiProcessor = 2048;
    prop->managedMemory = 1;
    prop->isMultiGpuBoard = 0;
    prop->cooperativeLaunch = 1;
    prop->maxThreadsDim[0] = 1024;
    prop->maxThreadsDim[1] = 1024;
    prop->maxThreadsDim[2] = 64;
    prop->maxGridSize[0] = 2147483647;
    prop->maxGridSize[1] = 65535;
    prop->maxGridSize[2] = 65535;
}

int get_device_count(int* count) {
    return api(Call::cudaGetDeviceCount, [&] {
        if (count == nullptr) return fail(err::cudaErrorInvalidValue, "count is NULL; pass a pointer to an int");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        *count = st.config.devices;
        return err::cudaSuccess;
    });
}

int get_device(int* device) {
    return api(Call::cudaGetDevice, [&] {
        if (device == nullptr) return fail(err::cudaErrorInvalidValue, "device is NULL; pass a pointer to an int");
        *device = current_device();
        return err::cudaSuccess;
    });
}

int set_device(int device) {
    return api(Call::cudaSetDevice, [&] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, device, "device")) return e;
        current_device();  // adopt the current epoch first
        tl_current_device = device;
        return err::cudaSuccess;
    });
}

int device_synchronize() {
    return api(Call::cudaDeviceSynchronize, [&] {
        State& st = state();
        std::vector<CompletionPtr> pending;
        {
            std::lock_guard<std::mutex> lock(st.mu);
            pending = pending_on_device(st, current_device());
        }
        // cudaDeviceSynchronize: blocks until the device has completed all
        // preceding requested tasks (every stream of the device).
        wait_all(pending);
        pools_synchronized_if_idle(st, SyncPoint{current_device()});
        return err::cudaSuccess;
    });
}

int device_reset() {
    return api(Call::cudaDeviceReset, [&] {
        reset_device(state());
        return err::cudaSuccess;
    });
}

void reset_peer_access(State& st, const ResetScope& scope, ResetBatch&) {
    for (const auto& d : st.devices) {
        for (size_t peer = 0; peer < d->peer_enabled.size(); ++peer) {
            if (scope.covers(d->index) || scope.covers(static_cast<int>(peer))) d->peer_enabled[peer] = 0;
        }
    }
}

int get_device_properties(pygpu_device_prop* prop, int device) {
    return api(Call::cudaGetDeviceProperties, [&] {
        if (prop == nullptr) return fail(err::cudaErrorInvalidValue, "prop is NULL; pass a pointer to a pygpu_device_prop");
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, device, "device")) return e;
        fill_properties(*st.devices[static_cast<size_t>(device)], prop);
        return err::cudaSuccess;
    });
}

int mem_get_info(size_t* free_bytes, size_t* total_bytes) {
    return api(Call::cudaMemGetInfo, [&] {
        if (free_bytes == nullptr || total_bytes == nullptr) {
            return fail(err::cudaErrorInvalidValue, "%s is NULL; pass pointers to size_t for both free and total",
                        free_bytes == nullptr ? "free" : "total");
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        const Device& d = *st.devices[static_cast<size_t>(current_device())];
        // Exact: every allocation is charged its size rounded up to 256 bytes.
        *free_bytes = d.capacity - d.used;
        *total_bytes = d.capacity;
        return err::cudaSuccess;
    });
}

int driver_get_version(int* version) {
    return api(Call::cudaDriverGetVersion, [&] {
        if (version == nullptr) return fail(err::cudaErrorInvalidValue, "driverVersion is NULL; pass a pointer to an int");
        *version = kCudaVersion;
        return err::cudaSuccess;
    });
}

int runtime_get_version(int* version) {
    return api(Call::cudaRuntimeGetVersion, [&] {
        if (version == nullptr) return fail(err::cudaErrorInvalidValue, "runtimeVersion is NULL; pass a pointer to an int");
        *version = kCudaVersion;
        return err::cudaSuccess;
    });
}

int device_can_access_peer(int* can_access, int device, int peer_device) {
    return api(Call::cudaDeviceCanAccessPeer, [&] {
        if (can_access == nullptr) {
            return fail(err::cudaErrorInvalidValue, "canAccessPeer is NULL; pass a pointer to an int");
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, device, "device")) return e;
        if (int e = check_device(st, peer_device, "peer device")) return e;
        // Every pair of distinct simulated devices can reach each other; a
        // device is not its own peer (CUDA reports 0 for device == peerDevice).
        *can_access = device != peer_device ? 1 : 0;
        return err::cudaSuccess;
    });
}

int device_enable_peer_access(int peer_device, unsigned int flags) {
    return api(Call::cudaDeviceEnablePeerAccess, [&] {
        // CUDA: flags is reserved for future use and must be 0.
        if (flags != 0) {
            return fail(err::cudaErrorInvalidValue, "flags is %u; cudaDeviceEnablePeerAccess reserves flags and requires 0", flags);
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, peer_device, "peer device")) return e;
        const int dev = current_device();
        if (peer_device == dev) {
            return fail(err::cudaErrorInvalidDevice,
                        "peer device %d is the current device; peer access is between two different devices", peer_device);
        }
        char& enabled = st.devices[static_cast<size_t>(dev)]->peer_enabled[static_cast<size_t>(peer_device)];
        if (enabled) {
            return fail(err::cudaErrorPeerAccessAlreadyEnabled,
                        "peer access from device %d to device %d is already enabled", dev, peer_device);
        }
        enabled = 1;
        return err::cudaSuccess;
    });
}

int device_disable_peer_access(int peer_device) {
    return api(Call::cudaDeviceDisablePeerAccess, [&] {
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        if (int e = check_device(st, peer_device, "peer device")) return e;
        const int dev = current_device();
        char& enabled = st.devices[static_cast<size_t>(dev)]->peer_enabled[static_cast<size_t>(peer_device)];
        if (!enabled) {
            return fail(err::cudaErrorPeerAccessNotEnabled,
                        "peer access from device %d to device %d is not enabled (enable it with "
                        "cudaDeviceEnablePeerAccess first)",
                        dev, peer_device);
        }
        enabled = 0;
        return err::cudaSuccess;
    });
}

}  // namespace sim
}  // namespace pygpu
