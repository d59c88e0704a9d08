#include "PyGPU/sim/launch.h"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "PyGPU/sim/chaos.h"
#include "PyGPU/sim/func.h"
#include "PyGPU/sim/module.h"
#include "PyGPU/sim/state.h"
#include "PyGPU/sim/sticky.h"
#include "pygpu/sim/launch.h"

namespace pygpu {
namespace sim {

namespace {

// The public kernel ABI is the engine's layout, field by field.
#define PYGPU_SIM_SAME_FIELD_(engine, c, field) \
    static_assert(offsetof(engine, field) == offsetof(c, field), #c "::" #field);
static_assert(sizeof(Dim3) == sizeof(pygpu_sim_dim3), "pygpu_sim_dim3");
PYGPU_SIM_SAME_FIELD_(Dim3, pygpu_sim_dim3, y)
PYGPU_SIM_SAME_FIELD_(Dim3, pygpu_sim_dim3, z)
static_assert(sizeof(BlockContext) == sizeof(pygpu_sim_block_context), "pygpu_sim_block_context");
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, block_dim)
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, grid_dim)
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, shared)
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, shared_bytes)
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, args)
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, worker)
PYGPU_SIM_SAME_FIELD_(BlockContext, pygpu_sim_block_context, user)
static_assert(sizeof(ThreadContext) == sizeof(pygpu_sim_thread_context), "pygpu_sim_thread_context");
PYGPU_SIM_SAME_FIELD_(ThreadContext, pygpu_sim_thread_context, block)
static_assert(sizeof(SyncSite) == sizeof(pygpu_sim_sync_site), "pygpu_sim_sync_site");
PYGPU_SIM_SAME_FIELD_(SyncSite, pygpu_sim_sync_site, file)
PYGPU_SIM_SAME_FIELD_(SyncSite, pygpu_sim_sync_site, line)
#undef PYGPU_SIM_SAME_FIELD_

struct Kernel {
    std::string name;
    pygpu_sim_kernel_fn run_block;
    pygpu_sim_kernel_fn run_thread;
    size_t static_shared_bytes;
    std::vector<size_t> param_sizes;
    FuncAttributes* attributes;  // func.h: the stub's limits and the static shared bytes seen
};

// Registered kernels by host stub. Never destroyed (stream workers may still
// run a kernel at exit); a record is immutable once made, and one that is
// registered again is replaced by a new record, the old one kept for
// launches already queued with it.
struct KernelTable {
    std::mutex mu;
    std::unordered_map<const void*, std::shared_ptr<const Kernel>> by_stub;
};

KernelTable& kernel_table() {
    static KernelTable* t = new KernelTable();
    return *t;
}

std::shared_ptr<const Kernel> find_kernel(const void* stub) {
    KernelTable& t = kernel_table();
    std::lock_guard<std::mutex> lock(t.mu);
    const auto it = t.by_stub.find(stub);
    return it == t.by_stub.end() ? nullptr : it->second;
}

// The engine calls these with its contexts; the kernel sees the same
// objects through the C ABI's structs of the same layout.
const Kernel& kernel_of(const ThreadContext& t) { return *static_cast<const Kernel*>(t.block->user); }
pygpu_sim_thread_context* as_c(ThreadContext& t) { return reinterpret_cast<pygpu_sim_thread_context*>(&t); }
void run_c_block(ThreadContext& t) { kernel_of(t).run_block(as_c(t)); }
void run_c_thread(ThreadContext& t) { kernel_of(t).run_thread(as_c(t)); }

// One launch, alive until its work item has run: the kernel, copies of the
// argument values (CUDA takes them when the launch call returns) and the
// engine's description.
struct Launch {
    std::shared_ptr<const Kernel> kernel;
    std::vector<unsigned char> values;
    std::vector<void*> args;
    GridDesc desc;
};

const char* const kAxes[] = {"x", "y", "z"};

// CUDA's launch-configuration rules against the device's properties
// (cudaLaunchKernel; CUDA Programming Guide, "Compute Capabilities"):
//  - a zero dimension, more than maxThreadsPerBlock threads in a block, a
//    block dimension over maxThreadsDim or a grid dimension over maxGridSize
//    is cudaErrorInvalidConfiguration ("a kernel launch is requesting
//    resources that can never be satisfied by the current device");
//  - more dynamic shared memory than the kernel's limit (func.h: the
//    device's sharedMemPerBlock minus the static bytes seen, or what
//    cudaFuncAttributeMaxDynamicSharedMemorySize set) is
//    cudaErrorInvalidValue, what the runtime answers; so is static + dynamic
//    over the block's limit. Static bytes first used by this launch's
//    blocks are checked by the engine (grid.h).
int check_configuration(const pygpu_device_prop& p, const Kernel& k, Dim3 grid, Dim3 block, size_t dynamic_shared) {
    const unsigned gd[] = {grid.x, grid.y, grid.z}, bd[] = {block.x, block.y, block.z};
    for (int i = 0; i < 3; ++i) {
        if (gd[i] == 0 || bd[i] == 0) {
            return fail(err::cudaErrorInvalidConfiguration,
                        "cudaLaunchKernel: kernel '%s': gridDim (%u,%u,%u) blockDim (%u,%u,%u) has a zero dimension",
                        k.name.c_str(), grid.x, grid.y, grid.z, block.x, block.y, block.z);
        }
        if (bd[i] > static_cast<unsigned>(p.maxThreadsDim[i])) {
            return fail(err::cudaErrorInvalidConfiguration,
                        "cudaLaunchKernel: kernel '%s': blockDim.%s = %u is more than the device's maxThreadsDim[%d] = %d",
                        k.name.c_str(), kAxes[i], bd[i], i, p.maxThreadsDim[i]);
        }
        if (gd[i] > static_cast<unsigned>(p.maxGridSize[i])) {
            return fail(err::cudaErrorInvalidConfiguration,
                        "cudaLaunchKernel: kernel '%s': gridDim.%s = %u is more than the device's maxGridSize[%d] = %d",
                        k.name.c_str(), kAxes[i], gd[i], i, p.maxGridSize[i]);
        }
    }
    const unsigned long long threads = 1ull * block.x * block.y * block.z;
    if (threads > static_cast<unsigned long long>(p.maxThreadsPerBlock)) {
        return fail(err::cudaErrorInvalidConfiguration,
                    "cudaLaunchKernel: kernel '%s': %llu threads per block is more than the device's "
                    "maxThreadsPerBlock = %d",
                    k.name.c_str(), threads, p.maxThreadsPerBlock);
    }
    const size_t statics = k.attributes->static_seen.load(std::memory_order_relaxed);
    const size_t limit = block_shared_limit(*k.attributes);
    if (dynamic_shared > dynamic_shared_limit(*k.attributes) || statics > limit || dynamic_shared > limit - statics) {
        return fail(err::cudaErrorInvalidValue,
                    "cudaLaunchKernel: kernel '%s': %zu bytes of static and %zu of dynamic shared memory are more "
                    "than its limits: %zu dynamic bytes (the device's sharedMemPerBlock = %zu less the static bytes; "
                    "raise it with cudaFuncSetAttribute(cudaFuncAttributeMaxDynamicSharedMemorySize)), %zu in all",
                    k.name.c_str(), statics, dynamic_shared, dynamic_shared_limit(*k.attributes), p.sharedMemPerBlock,
                    limit);
    }
    return err::cudaSuccess;
}

std::shared_ptr<Launch> make_launch(std::shared_ptr<const Kernel> k, Dim3 grid, Dim3 block, void** args,
                                    size_t dynamic_shared) {
    auto l = std::make_shared<Launch>();
    std::vector<size_t> offsets;
    size_t total = 0;
    for (size_t size : k->param_sizes) {
        total = (total + 15) / 16 * 16;  // every value 16-byte aligned, as the largest parameter type needs
        offsets.push_back(total);
        total += size;
    }
    l->values.resize(total);
    for (size_t i = 0; i < offsets.size(); ++i) std::memcpy(l->values.data() + offsets[i], args[i], k->param_sizes[i]);
    for (size_t off : offsets) l->args.push_back(l->values.data() + off);
    GridDesc& d = l->desc;
    d.kernel = k->name.c_str();
    d.grid = grid;
    d.block = block;
    d.shared_bytes = dynamic_shared;
    d.static_shared = k->static_shared_bytes;
    d.shared_limit = block_shared_limit(*k->attributes);
    d.static_seen = &k->attributes->static_seen;
    d.run_block = k->run_block != nullptr ? run_c_block : nullptr;
    d.run_thread = k->run_thread != nullptr ? run_c_thread : nullptr;
    d.args = l->args.data();
    d.user = k.get();
    l->kernel = std::move(k);
    return l;
}

}  // namespace

bool registered_kernel_name(const void* host_stub, std::string* name) {
    const std::shared_ptr<const Kernel> k = find_kernel(host_stub);
    if (k == nullptr) return false;
    *name = k->name;
    return true;
}

void unregister_kernel(const void* host_stub) {
    KernelTable& t = kernel_table();
    std::lock_guard<std::mutex> lock(t.mu);
    t.by_stub.erase(host_stub);
}

namespace {

// The arguments against the kernel's parameters (launch_function).
int check_arguments(const Kernel& k, void** args, const size_t* arg_sizes, size_t arg_count) {
    if (arg_count != k.param_sizes.size()) {
        return fail(err::cudaErrorInvalidValue, "cudaLaunchKernel: kernel '%s' takes %zu arguments, %zu were given",
                    k.name.c_str(), k.param_sizes.size(), arg_count);
    }
    if (arg_count > 0 && (args == nullptr || arg_sizes == nullptr)) {
        return fail(err::cudaErrorInvalidValue, "cudaLaunchKernel: kernel '%s' takes %zu arguments, args is NULL",
                    k.name.c_str(), arg_count);
    }
    for (size_t i = 0; i < arg_count; ++i) {
        if (arg_sizes[i] != k.param_sizes[i]) {
            return fail(err::cudaErrorInvalidValue,
                        "cudaLaunchKernel: kernel '%s': parameter %zu is %zu bytes, argument %zu is %zu bytes", k.name.c_str(),
                        i, k.param_sizes[i], i, arg_sizes[i]);
        }
        if (args[i] == nullptr) {
            return fail(err::cudaErrorInvalidValue, "cudaLaunchKernel: kernel '%s': argument %zu is NULL",
                        k.name.c_str(), i);
        }
    }
    return err::cudaSuccess;
}

// Both launches; `checked` false: the host-code form, arguments unchecked
// (CUDA's cudaLaunchKernel cannot check them either).
int launch(const void* host_stub, Dim3 grid, Dim3 block, void** args, bool checked, const size_t* arg_sizes,
           size_t arg_count, size_t dynamic_shared, pygpu_stream_t stream) {
    return api(Call::cudaLaunchKernel, [&] {
        std::shared_ptr<const Kernel> k = find_kernel(host_stub);
        if (k == nullptr) {
            return fail(err::cudaErrorInvalidDeviceFunction,
                        "cudaLaunchKernel: %p is not a registered kernel (pygpu_sim_register_kernel; a module's "
                        "kernel after its cudaLibraryUnload)",
                        host_stub);
        }
        if (checked) {
            if (int e = check_arguments(*k, args, arg_sizes, arg_count)) return e;
        } else if (args == nullptr && !k->param_sizes.empty()) {
            return fail(err::cudaErrorInvalidValue, "cudaLaunchKernel: kernel '%s' takes %zu arguments, args is NULL",
                        k->name.c_str(), k->param_sizes.size());
        }
        State& st = state();
        std::lock_guard<std::mutex> lock(st.mu);
        std::shared_ptr<Stream> s;
        if (int e = resolve_stream(st, stream, &s)) return e;
        pygpu_device_prop prop;
        fill_properties(*st.devices[static_cast<size_t>(s->device)], &prop);
        if (int e = check_configuration(prop, *k, grid, block, dynamic_shared)) return e;
        std::shared_ptr<Launch> l = make_launch(std::move(k), grid, block, args, dynamic_shared);
        l->desc.chaos.enabled = chaos_grid_seed(&l->desc.chaos.seed);
        const int device = s->device;
        l->desc.printf_fifo = st.devices[static_cast<size_t>(device)]->limits.value[PYGPU_LIMIT_PRINTF_FIFO_SIZE];
        const uint64_t generation = st.devices[static_cast<size_t>(device)]->generation, epoch = st.epoch;
        // Named after the kernel in traces and reports of pending work.
        const unsigned gd[3] = {grid.x, grid.y, grid.z}, bd[3] = {block.x, block.y, block.z};
        // The grid's failure becomes the device's sticky error only after the
        // launch is traced and counted (`after`): a call that finds a sticky
        // error returns at once, and must find the launch's records complete.
        auto result = std::make_shared<GridResult>();
        enqueue(
            st, s, work_info_kernel(l->kernel->name, gd, bd),
            [l, result, device, generation, epoch] {
                const Clock::time_point start = Clock::now();
                *result = run_grid(l->desc);
                const double micros = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
                State& st = state();
                std::lock_guard<std::mutex> lock(st.mu);
                st.stats.kernel_finished(l->kernel->name, micros, result->code != err::cudaSuccess);
                // The device's printf FIFO size is fixed from now on (limit.h),
                // unless the device was reset or replaced since the launch.
                if (result->printed && st.epoch == epoch && static_cast<size_t>(device) < st.devices.size() &&
                    st.devices[static_cast<size_t>(device)]->generation == generation) {
                    st.devices[static_cast<size_t>(device)]->limits.printf_used = true;
                }
            },
            {}, [result, device] {
                if (result->code != err::cudaSuccess) set_sticky_error(device, result->code, result->message);
            });
        // Under 2^63 blocks (maxGridSize), but times the threads of a block the count may not fit.
        const uint64_t blocks = uint64_t(grid.x) * grid.y * grid.z;
        uint64_t threads = 0;
        if (__builtin_mul_overflow(blocks, uint64_t(block.x) * block.y * block.z, &threads)) threads = UINT64_MAX;
        st.stats.launched(l->kernel->name, blocks, threads);
        return err::cudaSuccess;
    });
}

}  // namespace

int launch_kernel(const void* host_stub, Dim3 grid, Dim3 block, void** args, size_t dynamic_shared,
                  pygpu_stream_t stream) {
    return launch(host_stub, grid, block, args, false, nullptr, 0, dynamic_shared, stream);
}

int launch_function(pygpu_function_t function, pygpu_dim3 grid, pygpu_dim3 block, void** args,
                    const size_t* arg_sizes, size_t arg_count, size_t dynamic_shared, pygpu_stream_t stream) {
    return launch(function, Dim3{grid.x, grid.y, grid.z}, Dim3{block.x, block.y, block.z}, args, true, arg_sizes,
                  arg_count, dynamic_shared, stream);
}

}  // namespace sim
}  // namespace pygpu

extern "C" {

const unsigned int PYGPU_SIM_KERNEL_ABI_SYMBOL = PYGPU_SIM_KERNEL_ABI_VERSION;

int pygpu_sim_register_kernel(const void* host_stub, const pygpu_sim_kernel_desc* desc) {
    using namespace pygpu::sim;
    if (host_stub == nullptr || desc == nullptr) {
        return fail(err::cudaErrorInvalidValue, "pygpu_sim_register_kernel: the host stub and the desc must not be NULL");
    }
    if (desc->abi_version != PYGPU_SIM_KERNEL_ABI_VERSION) {
        return fail(err::cudaErrorInvalidValue,
                    "pygpu_sim_register_kernel: the kernel was compiled for kernel ABI version %u, this library "
                    "has version %d",
                    desc->abi_version, PYGPU_SIM_KERNEL_ABI_VERSION);
    }
    if (desc->abi_tag != &PYGPU_SIM_KERNEL_ABI_SYMBOL) {
        return fail(err::cudaErrorInvalidValue,
                    "pygpu_sim_register_kernel: kernel '%s': abi_tag is not PYGPU_SIM_KERNEL_ABI_TAG (the address of "
                    "pygpu_sim_kernel_abi_v%d)",
                    desc->name == nullptr ? "?" : desc->name, PYGPU_SIM_KERNEL_ABI_VERSION);
    }
    if (desc->name == nullptr || (desc->run_block == nullptr) == (desc->run_thread == nullptr)) {
        return fail(err::cudaErrorInvalidValue,
                    "pygpu_sim_register_kernel: a kernel needs a name and exactly one of run_block and run_thread");
    }
    if (desc->param_count > 0 && desc->param_sizes == nullptr) {
        return fail(err::cudaErrorInvalidValue, "pygpu_sim_register_kernel: kernel '%s': param_sizes is NULL",
                    desc->name);
    }
    auto k = std::make_shared<Kernel>();
    k->name = desc->name;
    k->run_block = desc->run_block;
    k->run_thread = desc->run_thread;
    k->static_shared_bytes = desc->static_shared_bytes;
    k->param_sizes.assign(desc->param_sizes, desc->param_sizes + desc->param_count);
    k->attributes = &func_attributes(host_stub);
    for (size_t size : k->param_sizes) {
        if (size == 0) {
            return fail(err::cudaErrorInvalidValue, "pygpu_sim_register_kernel: kernel '%s': a parameter of 0 bytes",
                        desc->name);
        }
    }
    raise_to(k->attributes->static_seen, desc->static_shared_bytes);
    KernelTable& t = kernel_table();
    std::lock_guard<std::mutex> lock(t.mu);
    t.by_stub[host_stub] = std::move(k);
    module_registered_kernel(host_stub, desc->name);
    return err::cudaSuccess;
}

int pygpu_sim_block_barrier(const pygpu_sim_sync_site* site, int predicate) {
    return pygpu::sim::block_barrier(*reinterpret_cast<const pygpu::sim::SyncSite*>(site), predicate);
}

void pygpu_sim_kernel_error(int code, const char* detail) { pygpu::sim::kernel_error(code, detail); }

void pygpu_sim_kernel_assert_failed(const char* expr, const char* file, int line) {
    pygpu::sim::kernel_assert_failed(expr, file, line);
}

}  // extern "C"
