#include "PyGPU/sim/symbols.h"

#include <atomic>
#include <limits>
#include <map>
#include <mutex>

#include "PyGPU/sim/copy.h"
#include "PyGPU/sim/errors.h"
#include "PyGPU/sim/module.h"
#include "PyGPU/sim/state.h"

namespace pygpu {
namespace sim {

namespace {

struct GlobalTable {
    std::mutex mu;
    std::map<uintptr_t, GlobalSymbol> by_base;
    // [low, high): from the first global's start to the last one's end (low
    // == high: none), set under mu after every change. Every copy's pointer
    // check asks global_containing(); a pointer outside is answered without
    // the lock (a mix of two successive settings still covers every global
    // present in both, so a racing registration can only change the answer
    // for the global being registered, which was racy anyway).
    std::atomic<uintptr_t> low{0};
    std::atomic<uintptr_t> high{0};

    void update_bounds() {
        const bool none = by_base.empty();
        low.store(none ? 0 : by_base.begin()->first, std::memory_order_release);
        high.store(none ? 0 : by_base.rbegin()->second.base + by_base.rbegin()->second.size, std::memory_order_release);
    }
};

GlobalTable& global_table() {
    static GlobalTable* t = new GlobalTable();  // never destroyed: libraries unregister at exit
    return *t;
}

// The global registered at exactly `symbol` (its variable's address):
// cudaErrorInvalidSymbol when none, as CUDA answers for an unknown symbol.
int find_symbol(const char* call, const void* symbol, GlobalSymbol* out) {
    GlobalTable& t = global_table();
    {
        std::lock_guard<std::mutex> lock(t.mu);
        const auto it = t.by_base.find(reinterpret_cast<uintptr_t>(symbol));
        if (it != t.by_base.end()) {
            *out = it->second;
            return err::cudaSuccess;
        }
    }
    return fail(err::cudaErrorInvalidSymbol,
                "%s: %p is not a registered __device__ or __constant__ variable (compiled code registers each with "
                "pygpu_sim_register_global when its library loads)",
                call, symbol);
}

// The device side of a symbol copy: `count` bytes from `offset` inside it.
int symbol_range(const char* call, const void* symbol, size_t count, size_t offset, char** at) {
    GlobalSymbol g;
    if (int e = find_symbol(call, symbol, &g)) return e;
    if (offset > g.size || count > g.size - offset) {
        return fail(err::cudaErrorInvalidValue,
                    "%s: %zu bytes from offset %zu run past the end of '%s' (%zu bytes)", call, count, offset,
                    g.name.c_str(), g.size);
    }
    *at = reinterpret_cast<char*>(g.base) + offset;
    return err::cudaSuccess;
}

// The copies check the symbol and the direction, then run as cudaMemcpy or
// cudaMemcpyAsync (counted, traced and ordered as those). `host_side` is the
// kind naming the host (HostToDevice to a symbol, DeviceToHost from one).
int check_symbol_copy(const char* call, const void* symbol, size_t count, size_t offset, int kind, int host_side,
                      char** at) {
    return guarded_call(nullptr, [&] {
        if (int e = symbol_range(call, symbol, count, offset, at)) return e;
        if (kind != host_side && kind != PYGPU_MEMCPY_DEVICE_TO_DEVICE && kind != PYGPU_MEMCPY_DEFAULT) {
            return fail(err::cudaErrorInvalidMemcpyDirection,
                        "%s: kind %d: a copy %s a symbol is %s, cudaMemcpyDeviceToDevice or cudaMemcpyDefault", call,
                        kind, host_side == PYGPU_MEMCPY_HOST_TO_DEVICE ? "to" : "from",
                        host_side == PYGPU_MEMCPY_HOST_TO_DEVICE ? "cudaMemcpyHostToDevice" : "cudaMemcpyDeviceToHost");
        }
        return err::cudaSuccess;
    });
}

}  // namespace

bool global_containing(uintptr_t p, GlobalSymbol* out) {
    GlobalTable& t = global_table();
    if (p < t.low.load(std::memory_order_acquire) || p >= t.high.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> lock(t.mu);
    auto it = t.by_base.upper_bound(p);
    if (it == t.by_base.begin()) return false;
    --it;
    if (p - it->second.base >= it->second.size) return false;
    *out = it->second;
    return true;
}

int register_global(const void* addr, size_t size, const char* name) {
    if (addr == nullptr || size == 0 || name == nullptr) {
        return fail(err::cudaErrorInvalidValue,
                    "pygpu_sim_register_global: a global needs an address, a size above 0 and a name (got %p, %zu, %s)",
                    addr, size, name == nullptr ? "NULL" : name);
    }
    const uintptr_t base = reinterpret_cast<uintptr_t>(addr);
    if (size > std::numeric_limits<uintptr_t>::max() - base) {
        return fail(err::cudaErrorInvalidValue, "pygpu_sim_register_global: '%s' at %p + %zu bytes wraps around", name,
                    addr, size);
    }
    GlobalTable& t = global_table();
    std::lock_guard<std::mutex> lock(t.mu);
    auto next = t.by_base.lower_bound(base);
    if (next != t.by_base.end() && next->first == base && next->second.size == size) {
        next->second.name = name;  // the same variable again (a library loaded twice)
        module_registered_global(addr, size, name);
        return err::cudaSuccess;
    }
    const GlobalSymbol* clash = nullptr;
    if (next != t.by_base.end() && next->first < base + size) clash = &next->second;
    if (clash == nullptr && next != t.by_base.begin()) {
        const GlobalSymbol& before = std::prev(next)->second;
        if (before.base + before.size > base) clash = &before;
    }
    if (clash != nullptr) {
        return fail(err::cudaErrorInvalidValue,
                    "pygpu_sim_register_global: '%s' at %p (%zu bytes) overlaps the registered global '%s' at %p "
                    "(%zu bytes)",
                    name, addr, size, clash->name.c_str(), reinterpret_cast<void*>(clash->base), clash->size);
    }
    t.by_base[base] = GlobalSymbol{base, size, name};
    t.update_bounds();
    module_registered_global(addr, size, name);
    return err::cudaSuccess;
}

int unregister_global(const void* addr) {
    GlobalTable& t = global_table();
    std::lock_guard<std::mutex> lock(t.mu);
    if (t.by_base.erase(reinterpret_cast<uintptr_t>(addr)) == 1) {
        t.update_bounds();
        return err::cudaSuccess;
    }
    return fail(err::cudaErrorInvalidSymbol, "pygpu_sim_unregister_global: %p is not a registered global", addr);
}

int get_symbol_address(void** dev_ptr, const void* symbol) {
    return guarded_call(nullptr, [&] {
        GlobalSymbol g;
        if (int e = find_symbol("cudaGetSymbolAddress", symbol, &g)) return e;
        if (dev_ptr == nullptr) return fail(err::cudaErrorInvalidValue, "cudaGetSymbolAddress: devPtr is NULL");
        *dev_ptr = reinterpret_cast<void*>(g.base);
        return err::cudaSuccess;
    });
}

int get_symbol_size(size_t* size, const void* symbol) {
    return guarded_call(nullptr, [&] {
        GlobalSymbol g;
        if (int e = find_symbol("cudaGetSymbolSize", symbol, &g)) return e;
        if (size == nullptr) return fail(err::cudaErrorInvalidValue, "cudaGetSymbolSize: size is NULL");
        *size = g.size;
        return err::cudaSuccess;
    });
}

int memcpy_to_symbol(const void* symbol, const void* src, size_t count, size_t offset, int kind, bool async,
                     pygpu_stream_t stream) {
    char* at = nullptr;
    if (int e = check_symbol_copy(async ? "cudaMemcpyToSymbolAsync" : "cudaMemcpyToSymbol", symbol, count, offset,
                                  kind, PYGPU_MEMCPY_HOST_TO_DEVICE, &at)) {
        return e;
    }
    return async ? memcpy_async(at, src, count, kind, stream) : memcpy_sync(at, src, count, kind);
}

int memcpy_from_symbol(void* dst, const void* symbol, size_t count, size_t offset, int kind, bool async,
                       pygpu_stream_t stream) {
    char* at = nullptr;
    if (int e = check_symbol_copy(async ? "cudaMemcpyFromSymbolAsync" : "cudaMemcpyFromSymbol", symbol, count, offset,
                                  kind, PYGPU_MEMCPY_DEVICE_TO_HOST, &at)) {
        return e;
    }
    return async ? memcpy_async(dst, at, count, kind, stream) : memcpy_sync(dst, at, count, kind);
}

}  // namespace sim
}  // namespace pygpu
