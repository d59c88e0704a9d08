#include "PyGPU/sim/func.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/grid.h"
#include "PyGPU/sim/launch.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {

// The multiprocessor limits the occupancy calculator uses: an A100's, as the
// device's properties (device.cpp).
constexpr int kWarpsPerMultiprocessor = 64;      // maxThreadsPerMultiProcessor 2048 / 32
constexpr int kBlocksPerMultiprocessor = 32;
constexpr size_t kSharedPerMultiprocessor = 167936;
constexpr size_t kReservedSharedPerBlock = 1024;
constexpr int kMultiprocessors = 108;
constexpr int kComputeCapability = 80;

struct FuncTable {
    std::mutex mu;
    std::unordered_map<const void*, std::unique_ptr<FuncAttributes>> by_stub;
};

FuncTable& func_table() {
    static FuncTable* t = new FuncTable();  // never destroyed: launches in flight point into it
    return *t;
}

// The registered kernel's name, or cudaErrorInvalidDeviceFunction.
int find_registered(const char* call, const void* host_stub, std::string* name) {
    if (registered_kernel_name(host_stub, name)) return err::cudaSuccess;
    return fail(err::cudaErrorInvalidDeviceFunction, "%s: %p is not a registered kernel (pygpu_sim_register_kernel)",
                call, host_stub);
}

// Resident blocks of `block_size` threads with `dynamic` bytes of dynamic
// shared memory on one multiprocessor (0 when a block cannot run at all).
int active_blocks(const FuncAttributes& a, int block_size, size_t dynamic) {
    if (block_size > static_cast<int>(kMaxThreadsPerBlock) || dynamic > dynamic_shared_limit(a)) return 0;
    const int warps = (block_size + static_cast<int>(kWarpSize) - 1) / static_cast<int>(kWarpSize);
    const size_t shared = a.static_seen.load(std::memory_order_relaxed) + dynamic + kReservedSharedPerBlock;
    const int by_shared = static_cast<int>(kSharedPerMultiprocessor / shared);
    return std::min({kWarpsPerMultiprocessor / warps, kBlocksPerMultiprocessor, by_shared});
}

}  // namespace

FuncAttributes& func_attributes(const void* host_stub) {
    FuncTable& t = func_table();
    std::lock_guard<std::mutex> lock(t.mu);
    std::unique_ptr<FuncAttributes>& a = t.by_stub[host_stub];
    if (a == nullptr) a = std::make_unique<FuncAttributes>();
    return *a;
}

size_t dynamic_shared_limit(const FuncAttributes& a) {
    const int set = a.max_dynamic.load(std::memory_order_relaxed);
    if (set != kDefaultDynamicLimit) return static_cast<size_t>(set);
    const size_t statics = a.static_seen.load(std::memory_order_relaxed);
    return statics < kSharedMemPerBlock ? kSharedMemPerBlock - statics : 0;
}

size_t block_shared_limit(const FuncAttributes& a) {
    return a.max_dynamic.load(std::memory_order_relaxed) == kDefaultDynamicLimit ? kSharedMemPerBlock
                                                                                   : kSharedMemPerBlockOptin;
}

int func_get_attributes(FuncInfo* out, const void* host_stub) {
    return guarded_call(nullptr, [&] {
        std::string name;
        if (int e = find_registered("cudaFuncGetAttributes", host_stub, &name)) return e;
        if (out == nullptr) return fail(err::cudaErrorInvalidValue, "cudaFuncGetAttributes: attr is NULL");
        const FuncAttributes& a = func_attributes(host_stub);
        out->common = pygpu_func_attributes{};  // no constant, local memory or registers to report
        out->common.shared_size_bytes = a.static_seen.load(std::memory_order_relaxed);
        out->common.max_threads_per_block = static_cast<int>(kMaxThreadsPerBlock);
        out->common.ptx_version = kComputeCapability;
        out->common.binary_version = kComputeCapability;
        out->common.max_dynamic_shared_size_bytes = static_cast<int>(dynamic_shared_limit(a));
        out->preferred_shmem_carveout = a.carveout.load(std::memory_order_relaxed);
        return err::cudaSuccess;
    });
}

int func_set_attribute(const void* host_stub, int attribute, int value) {
    return guarded_call(nullptr, [&] {
        std::string name;
        if (int e = find_registered("cudaFuncSetAttribute", host_stub, &name)) return e;
        FuncAttributes& a = func_attributes(host_stub);
        if (attribute == kAttrMaxDynamicSharedMemorySize) {
            const size_t statics = a.static_seen.load(std::memory_order_relaxed);
            if (value < 0 || static_cast<size_t>(value) + statics > kSharedMemPerBlockOptin) {
                return fail(err::cudaErrorInvalidValue,
                            "cudaFuncSetAttribute: kernel '%s': cudaFuncAttributeMaxDynamicSharedMemorySize = %d: "
                            "with its %zu bytes of static shared memory a block may use at most the device's "
                            "sharedMemPerBlockOptin = %zu bytes",
                            name.c_str(), value, statics, kSharedMemPerBlockOptin);
            }
            a.max_dynamic.store(value, std::memory_order_relaxed);
            return err::cudaSuccess;
        }
        if (attribute == kAttrPreferredSharedMemoryCarveout) {
            if (value < -1 || value > 100) {
                return fail(err::cudaErrorInvalidValue,
                            "cudaFuncSetAttribute: kernel '%s': cudaFuncAttributePreferredSharedMemoryCarveout = %d "
                            "is not a percentage (0..100) or -1 (no preference)",
                            name.c_str(), value);
            }
            a.carveout.store(value, std::memory_order_relaxed);
            return err::cudaSuccess;
        }
        if (attribute >= kAttrClusterFirst && attribute <= kAttrClusterLast) {
            return fail(err::cudaErrorNotSupported,
                        "cudaFuncSetAttribute: kernel '%s': attribute %d is a thread block cluster attribute; the "
                        "simulated device (compute capability 8.0) has no clusters",
                        name.c_str(), attribute);
        }
        return fail(err::cudaErrorInvalidValue, "cudaFuncSetAttribute: kernel '%s': %d is not a cudaFuncAttribute",
                    name.c_str(), attribute);
    });
}

int func_set_cache_config(const void* host_stub, int config) {
    return guarded_call(nullptr, [&] {
        std::string name;
        if (int e = find_registered("cudaFuncSetCacheConfig", host_stub, &name)) return e;
        if (config < 0 || config > kCachePreferEqual) {
            return fail(err::cudaErrorInvalidValue, "cudaFuncSetCacheConfig: kernel '%s': %d is not a cudaFuncCache",
                        name.c_str(), config);
        }
        func_attributes(host_stub).cache_config.store(config, std::memory_order_relaxed);
        return err::cudaSuccess;
    });
}

int occupancy_max_active_blocks(int* blocks, const void* host_stub, int block_size, size_t dynamic_shared,
                                unsigned flags) {
    return guarded_call(nullptr, [&] {
        const char* call = "cudaOccupancyMaxActiveBlocksPerMultiprocessor";
        std::string name;
        if (int e = find_registered(call, host_stub, &name)) return e;
        if (blocks == nullptr) return fail(err::cudaErrorInvalidValue, "%s: numBlocks is NULL", call);
        if (block_size <= 0) {
            return fail(err::cudaErrorInvalidValue, "%s: kernel '%s': blockSize %d must be positive", call,
                        name.c_str(), block_size);
        }
        if (flags > 1) {  // cudaOccupancyDefault, cudaOccupancyDisableCachingOverride
            return fail(err::cudaErrorInvalidValue, "%s: kernel '%s': flags 0x%x are not cudaOccupancy* flags", call,
                        name.c_str(), flags);
        }
        *blocks = active_blocks(func_attributes(host_stub), block_size, dynamic_shared);
        return err::cudaSuccess;
    });
}

int occupancy_max_potential_block_size(int* min_grid_size, int* block_size, const void* host_stub,
                                       size_t dynamic_shared, int block_size_limit) {
    return guarded_call(nullptr, [&] {
        const char* call = "cudaOccupancyMaxPotentialBlockSize";
        std::string name;
        if (int e = find_registered(call, host_stub, &name)) return e;
        if (min_grid_size == nullptr || block_size == nullptr) {
            return fail(err::cudaErrorInvalidValue, "%s: minGridSize and blockSize must not be NULL", call);
        }
        if (block_size_limit < 0) {
            return fail(err::cudaErrorInvalidValue, "%s: kernel '%s': blockSizeLimit %d is negative", call,
                        name.c_str(), block_size_limit);
        }
        const FuncAttributes& a = func_attributes(host_stub);
        int limit = static_cast<int>(kMaxThreadsPerBlock);
        if (block_size_limit != 0) limit = std::min(limit, block_size_limit);
        // From the largest block down, as CUDA's calculator: the most
        // resident threads, the larger block on a tie.
        int best_size = 0, best_blocks = 0;
        for (int size = (limit + 31) / 32 * 32; size > 0; size -= 32) {
            const int threads = std::min(size, limit);
            const int n = active_blocks(a, threads, dynamic_shared);
            if (n * threads > best_blocks * best_size) {
                best_size = threads;
                best_blocks = n;
            }
        }
        *block_size = best_size;
        *min_grid_size = best_blocks * kMultiprocessors;
        return err::cudaSuccess;
    });
}

void reset_func_attributes(State&, const ResetScope&, ResetBatch&) {
    FuncTable& t = func_table();
    std::lock_guard<std::mutex> lock(t.mu);
    for (auto& kv : t.by_stub) {
        kv.second->max_dynamic.store(kDefaultDynamicLimit, std::memory_order_relaxed);
        kv.second->carveout.store(-1, std::memory_order_relaxed);
        kv.second->cache_config.store(0, std::memory_order_relaxed);
    }
}

}  // namespace sim
}  // namespace pygpu
