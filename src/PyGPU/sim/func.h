// Kernel attributes on the simulated device: what cudaFuncGetAttributes
// reports and cudaFuncSetAttribute / cudaFuncSetCacheConfig set, and the
// occupancy calculator, for the kernels registered by compiled code
// (launch.h).
//
// One record per host stub, made on first use and never destroyed (a launch
// in flight points at its static-shared counter). The record is not the
// kernel's registration: it survives re-registration (the same function),
// and its settings (the dynamic shared memory limit, the carveout and cache
// hints) are cleared by PyGPU.sim.reset() (the reset registry's "kernel
// attributes" row), not by cudaDeviceReset: there is one record for all
// devices, and a reset of one device must not change another's launches.
// The static shared bytes seen are a fact about the code and stay.
#ifndef PYGPU_SIM_FUNC_H
#define PYGPU_SIM_FUNC_H

#include <atomic>
#include <cstddef>

#include "pygpu/backend.h"

namespace pygpu {
namespace sim {

struct State;
struct ResetScope;
struct ResetBatch;

// CUDA's enumerators (cuda_runtime_api.h; runtime_api.cpp checks they agree).
constexpr int kAttrMaxDynamicSharedMemorySize = 8;
constexpr int kAttrPreferredSharedMemoryCarveout = 9;
constexpr int kAttrClusterFirst = 10;  // the cluster attributes, 10..15
constexpr int kAttrClusterLast = 15;
constexpr int kCachePreferEqual = 3;

// "Not set": the kernel's dynamic shared memory limit is the default,
// sharedMemPerBlock minus its static shared bytes.
constexpr int kDefaultDynamicLimit = -1;

struct FuncAttributes {
    std::atomic<size_t> static_seen{0};  // the largest static shared total seen (registration, blocks)
    std::atomic<int> max_dynamic{kDefaultDynamicLimit};  // cudaFuncAttributeMaxDynamicSharedMemorySize
    std::atomic<int> carveout{-1};       // cudaFuncAttributePreferredSharedMemoryCarveout
    std::atomic<int> cache_config{0};    // cudaFuncSetCacheConfig
};

FuncAttributes& func_attributes(const void* host_stub);

// The launch's limits (launch.cpp): the dynamic shared bytes a launch may
// ask for, and the static + dynamic bytes a block may use.
size_t dynamic_shared_limit(const FuncAttributes& a);
size_t block_shared_limit(const FuncAttributes& a);

// cudaFuncAttributes' fields the simulator fills (runtime_api.cpp copies
// them into CUDA's struct).
struct FuncInfo {
    pygpu_func_attributes common;  // what the backend table's func_get_attributes answers
    int preferred_shmem_carveout;
};

// The CUDA calls, with CUDA's error codes (cudaErrorInvalidDeviceFunction
// for an unregistered stub) and the last error set on failure.
int func_get_attributes(FuncInfo* out, const void* host_stub);
int func_set_attribute(const void* host_stub, int attribute, int value);
int func_set_cache_config(const void* host_stub, int config);
int occupancy_max_active_blocks(int* blocks, const void* host_stub, int block_size, size_t dynamic_shared,
                                unsigned flags);
int occupancy_max_potential_block_size(int* min_grid_size, int* block_size, const void* host_stub,
                                       size_t dynamic_shared, int block_size_limit);

// The reset registry's row (PyGPU.sim.reset() only).
void reset_func_attributes(State& st, const ResetScope& scope, ResetBatch& batch);

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_FUNC_H
