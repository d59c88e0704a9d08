// cudaMemPool_t objects (mempool.cpp) and memory pool arguments.
#ifndef PYGPU_BINDINGS_MEMPOOL_H
#define PYGPU_BINDINGS_MEMPOOL_H

#include <string>

#include "backend_access.h"

namespace pygpu {

// A pool handle as Python sees it: an opaque value, compared and hashed by
// its address (the runtime owns the pool; cudaMemPoolDestroy ends it).
struct MemPoolHandle {
    pygpu_mem_pool_t handle = nullptr;
};

// Convert a pool argument: a cudaMemPool_t, or an int handle (0 is NULL).
// Returns false (with `why` set) for anything else.
bool mem_pool_arg(py::handle obj, pygpu_mem_pool_t& out, std::string& why);

}  // namespace pygpu

#endif  // PYGPU_BINDINGS_MEMPOOL_H
