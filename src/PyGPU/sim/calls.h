// The runtime calls of the simulated device, by name: one table that gives
// every API entry its CUDA name, which the call counters (statistics) and
// error injection key on.
//
// The error-reporting entries (cudaGetErrorName, cudaGetErrorString,
// cudaGetLastError, cudaPeekAtLastError, the last message) are not in the
// table: they report on calls rather than being calls, the bindings use them
// for every error object, and an injected failure of "get the last error"
// would have no meaning.
#ifndef PYGPU_SIM_CALLS_H
#define PYGPU_SIM_CALLS_H

#include <cstddef>
#include <cstdint>

namespace pygpu {
namespace sim {

// X(name): the CUDA name of one backend table entry.
#define PYGPU_SIM_CALLS(X)                 \
    X(cudaGetDeviceCount)                  \
    X(cudaGetDevice)                       \
    X(cudaSetDevice)                       \
    X(cudaDeviceSynchronize)               \
    X(cudaDeviceReset)                     \
    X(cudaGetDeviceProperties)             \
    X(cudaMemGetInfo)                      \
    X(cudaDriverGetVersion)                \
    X(cudaRuntimeGetVersion)               \
    X(cudaDeviceCanAccessPeer)             \
    X(cudaDeviceEnablePeerAccess)          \
    X(cudaDeviceDisablePeerAccess)         \
    X(cudaMalloc)                          \
    X(cudaFree)                            \
    X(cudaMallocHost)                      \
    X(cudaHostAlloc)                       \
    X(cudaFreeHost)                        \
    X(cudaHostRegister)                    \
    X(cudaHostUnregister)                  \
    X(cudaPointerGetAttributes)            \
    X(cudaMemcpy)                          \
    X(cudaMemcpyAsync)                     \
    X(cudaMemcpy2D)                        \
    X(cudaMemcpy2DAsync)                   \
    X(cudaMemcpyPeer)                      \
    X(cudaMemcpyPeerAsync)                 \
    X(cudaMemset)                          \
    X(cudaMemsetAsync)                     \
    X(cudaStreamCreateWithPriority)        \
    X(cudaStreamDestroy)                   \
    X(cudaStreamSynchronize)               \
    X(cudaStreamQuery)                     \
    X(cudaStreamWaitEvent)                 \
    X(cudaStreamGetFlags)                  \
    X(cudaStreamGetPriority)               \
    X(cudaDeviceGetStreamPriorityRange)    \
    X(cudaLaunchHostFunc)                  \
    X(cudaEventCreateWithFlags)            \
    X(cudaEventDestroy)                    \
    X(cudaEventRecord)                     \
    X(cudaEventQuery)                      \
    X(cudaEventSynchronize)                \
    X(cudaEventElapsedTime)

enum class Call {
#define PYGPU_SIM_CALL_ENUM_(name) name,
    PYGPU_SIM_CALLS(PYGPU_SIM_CALL_ENUM_)
#undef PYGPU_SIM_CALL_ENUM_
};

constexpr size_t kCallCount = 0
#define PYGPU_SIM_CALL_COUNT_(name) +1
    PYGPU_SIM_CALLS(PYGPU_SIM_CALL_COUNT_)
#undef PYGPU_SIM_CALL_COUNT_
    ;

const char* call_name(Call c);

// The entry a name refers to: a name of the table; cudaStreamCreate and
// cudaStreamCreateWithFlags (the bindings reach them through
// cudaStreamCreateWithPriority) and cudaEventCreate (through
// cudaEventCreateWithFlags); and the hip* spelling of each of these
// (hipMalloc, hipHostMalloc, ...). False for anything else.
bool find_call(const char* name, Call* out);

// Every API entry counts itself, failures included, except cudaGetDevice:
// PyGPU's bindings ask it after every allocation and every stream or event
// creation for their own bookkeeping, so its count would be theirs, not the
// program's, and would make "exactly these calls" impossible to state. It
// still goes through api() (checks, error injection).
void count_call(Call c);
uint64_t calls_made(Call c);
void clear_call_counts();

}  // namespace sim
}  // namespace pygpu

#endif  // PYGPU_SIM_CALLS_H
