#include "PyGPU/sim/calls.h"

#include <atomic>
#include <cstring>
#include <string>

namespace pygpu {
namespace sim {

namespace {

const char* const kNames[] = {
#define PYGPU_SIM_CALL_NAME_(ret, member, name, params) #name,
    PYGPU_SIM_CALLS(PYGPU_SIM_CALL_NAME_)
#undef PYGPU_SIM_CALL_NAME_
};

// Names the bindings (or HIP) use for an entry that the table knows under
// another name.
struct Alias {
    const char* name;
    Call call;
};
const Alias kAliases[] = {
    {"cudaStreamCreate", Call::cudaStreamCreateWithPriority},
    {"cudaStreamCreateWithFlags", Call::cudaStreamCreateWithPriority},
    {"cudaEventCreate", Call::cudaEventCreateWithFlags},
    {"hipHostMalloc", Call::cudaMallocHost},
    {"hipHostFree", Call::cudaFreeHost},
};

// Trivially destructible, so nothing runs at exit under a worker still counting.
std::atomic<uint64_t> g_calls[kCallCount];

bool find_exact(const char* name, Call* out) {
    for (size_t i = 0; i < kCallCount; ++i) {
        if (std::strcmp(kNames[i], name) == 0) {
            *out = static_cast<Call>(i);
            return true;
        }
    }
    for (const Alias& a : kAliases) {
        if (std::strcmp(a.name, name) == 0) {
            *out = a.call;
            return true;
        }
    }
    return false;
}

}  // namespace

const char* call_name(Call c) { return kNames[static_cast<size_t>(c)]; }

bool find_call(const char* name, Call* out) {
    if (name == nullptr) return false;
    if (find_exact(name, out)) return true;
    // hipMalloc -> cudaMalloc, hipStreamCreate -> cudaStreamCreate, ...
    if (std::strncmp(name, "hip", 3) == 0) return find_exact((std::string("cuda") + (name + 3)).c_str(), out);
    return false;
}

void count_call(Call c) {
    if (c == Call::cudaGetDevice) return;  // see calls.h
    g_calls[static_cast<size_t>(c)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t calls_made(Call c) { return g_calls[static_cast<size_t>(c)].load(std::memory_order_relaxed); }

void clear_call_counts() {
    for (auto& c : g_calls) c.store(0, std::memory_order_relaxed);
}

}  // namespace sim
}  // namespace pygpu
