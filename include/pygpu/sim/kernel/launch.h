/* Kernel language, simulated device: the glue the compiler driver generates
 * code against (python/PyGPU/_compile/translate.py, docs/compiler_driver.md).
 *
 * - kernel_entry<F, Fibers>: a kernel's entry for the engine (pygpu/sim/launch.h,
 *   ABI v2). run_block runs every thread of a block as a loop generated here,
 *   in the kernel's own translation unit, so the compiler inlines the kernel
 *   into it and can vectorise it (a barrier-free vector add runs at numpy's
 *   speed); run_thread runs one thread, the block's threads being fibers.
 *   Both set pygpu_sim_k::current (kernel/context.h) first.
 * - register_kernel<F, Fibers>(name): registers the kernel with libpygpu_sim,
 *   keyed by its address (cudaLaunchKernel((void*)k, ...) finds it), passing
 *   sizeof of each parameter and the ABI tag (a library built for another
 *   kernel ABI fails to load: "undefined symbol: pygpu_sim_kernel_abi_vN").
 *   PYGPU_SIM_REGISTER_KERNEL(k, Fibers) does it when the library loads.
 * - launch<&k, Fibers>(name, grid, block, shared, stream)(args...): what
 *   k<<<grid, block, shared, stream>>>(args...) becomes. The arguments are
 *   converted to the parameter types as a call would; a kernel not registered
 *   yet (a template instance) is registered on its first launch.
 * - shared_static<T>(site) / shared_static_at<T>(key) / shared_dynamic():
 *   what __shared__ and extern __shared__ declarations become.
 * - PYGPU_SIM_REGISTER_GLOBAL(v): a __device__ or __constant__ variable is
 *   device memory for the simulator while the library is loaded.
 *
 * Everything here has hidden visibility: each library has its own glue, and
 * only what the user exports is exported. C++17.
 */
#ifndef PYGPU_SIM_KERNEL_LAUNCH_GLUE_H
#define PYGPU_SIM_KERNEL_LAUNCH_GLUE_H

#include <atomic>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../cuda_runtime_api.h"
#include "../launch.h"
#include "context.h"

#pragma GCC visibility push(hidden)

namespace pygpu_sim_k {

template <auto F, class Sig = decltype(F)>
struct kernel_traits;

template <auto F, class... A>
struct kernel_traits<F, void (*)(A...)> {
    static constexpr unsigned count = sizeof...(A);
    using values = std::tuple<std::decay_t<A>...>;
    // One more than count: a kernel without parameters still has an array.
    static constexpr std::size_t sizes[sizeof...(A) + 1] = {sizeof(std::decay_t<A>)..., 0};

    template <std::size_t... I>
    static values load(const pygpu_sim_block_context* b, std::index_sequence<I...>) {
        return values(*static_cast<const std::decay_t<A>*>(b->args[I])...);
    }
    template <std::size_t... I>
    __attribute__((always_inline)) static void call(const values& v, std::index_sequence<I...>) {
        F(std::get<I>(v)...);
    }

    // What k<<<...>>>(args) calls: its parameters convert the arguments as a call of k would.
    struct launcher {
        const char* name;
        dim3 grid, block;
        std::size_t shared;
        cudaStream_t stream;
        template <bool Fibers>
        void go(A... a) const;
    };
};

template <auto F, bool Fibers>
struct kernel_entry {
    using traits = kernel_traits<F>;
    using seq = std::make_index_sequence<traits::count>;

    // The block's threads as a loop, z/y/x, thread_idx kept current (an error names the right thread).
    static void run_block(pygpu_sim_thread_context* t) {
        pygpu_sim_thread_context* const outer = current;
        // The kernel reads blockIdx/blockDim through a copy of the block's context: a local object the
        // stores to t->thread_idx cannot alias, so they stay in registers across the loop.
        const pygpu_sim_block_context block = *t->block;
        const pygpu_sim_block_context* const b = &block;
        pygpu_sim_thread_context self{t->thread_idx, b};
        current = &self;
        const typename traits::values v = traits::load(b, seq{});
        const unsigned nx = b->block_dim.x, ny = b->block_dim.y, nz = b->block_dim.z;
        for (unsigned z = 0; z < nz; ++z) {
            t->thread_idx.z = self.thread_idx.z = z;
            for (unsigned y = 0; y < ny; ++y) {
                t->thread_idx.y = self.thread_idx.y = y;
#pragma GCC ivdep
                for (unsigned x = 0; x < nx; ++x) {
                    t->thread_idx.x = self.thread_idx.x = x;  // t's: the engine's, for its error messages
                    traits::call(v, seq{});
                }
            }
        }
        current = outer;  // host code on this OS thread later (a stream callback) is not kernel code
    }

    // One thread (a fiber of the block).
    static void run_thread(pygpu_sim_thread_context* t) {
        pygpu_sim_thread_context* const outer = current;
        current = t;
        const typename traits::values v = traits::load(t->block, seq{});
        traits::call(v, seq{});
        current = outer;
    }
};

// Set once a kernel is registered (per library: hidden, merged over its translation units).
template <auto F>
__attribute__((visibility("hidden"))) inline std::atomic<bool> registered{false};

template <auto F, bool Fibers>
inline bool register_kernel(const char* name) {
    using traits = kernel_traits<F>;
    const pygpu_sim_kernel_desc desc = {
        PYGPU_SIM_KERNEL_ABI_VERSION,
        name,
        Fibers ? nullptr : &kernel_entry<F, Fibers>::run_block,
        Fibers ? &kernel_entry<F, Fibers>::run_thread : nullptr,
        0,
        traits::count,
        traits::sizes,
        PYGPU_SIM_KERNEL_ABI_TAG,
    };
    const bool ok = pygpu_sim_register_kernel(reinterpret_cast<const void*>(F), &desc) == 0;
    registered<F>.store(true, std::memory_order_release);
    return ok;
}

template <auto F, bool Fibers>
inline void ensure_registered(const char* name) {
    if (!registered<F>.load(std::memory_order_acquire)) {
        static const bool once = register_kernel<F, Fibers>(name);
        (void)once;
    }
}

template <auto F, class... A>
template <bool Fibers>
inline void kernel_traits<F, void (*)(A...)>::launcher::go(A... a) const {
    ensure_registered<F, Fibers>(name);
    void* argv[sizeof...(A) + 1] = {static_cast<void*>(&a)..., nullptr};
    (void)::cudaLaunchKernel(reinterpret_cast<const void*>(F), grid, block, argv, shared, stream);
}

template <auto F, bool Fibers>
struct launch_call : kernel_traits<F>::launcher {
    template <class... Args>
    void operator()(Args&&... args) const {
        this->template go<Fibers>(std::forward<Args>(args)...);
    }
};

template <auto F, bool Fibers>
inline launch_call<F, Fibers> launch(const char* name, dim3 grid, dim3 block, std::size_t shared = 0,
                                     cudaStream_t stream = 0) {
    return launch_call<F, Fibers>{{name, grid, block, shared, stream}};
}

// __shared__ T name[dims]; in a function: one allocation per block and declaration site (`Site` is the
// type of a lambda written at the site, distinct per site and per template instance).
template <class T, class Site>
inline T& shared_static(Site) {
    static const char key = 0;
    return *static_cast<T*>(pygpu_sim_shared_static(&key, sizeof(T), alignof(T)));
}

// The same at namespace scope, keyed by a variable of the declaration.
template <class T>
inline T& shared_static_at(const void* key) {
    return *static_cast<T*>(pygpu_sim_shared_static(key, sizeof(T), alignof(T)));
}

// extern __shared__ T name[];
inline void* shared_dynamic() { return pygpu_sim_shared_dynamic(nullptr); }

// A __device__ / __constant__ variable: registered while the library is loaded.
struct global_registration {
    const void* addr;
    global_registration(const void* a, std::size_t size, const char* name) : addr(a) {
        (void)pygpu_sim_register_global(a, size, name);
    }
    ~global_registration() { (void)pygpu_sim_unregister_global(addr); }
    global_registration(const global_registration&) = delete;
    global_registration& operator=(const global_registration&) = delete;
};

}  // namespace pygpu_sim_k

#pragma GCC visibility pop

#define PYGPU_SIM_CAT_(a, b) a##b
#define PYGPU_SIM_CAT(a, b) PYGPU_SIM_CAT_(a, b)

/* After a non-template __global__ definition: registered when the library loads. */
#define PYGPU_SIM_REGISTER_KERNEL(kernel, fibers)                                                          \
    static const bool PYGPU_SIM_CAT(pygpu_sim_kernel_registered_, __COUNTER__) [[maybe_unused]] = \
        ::pygpu_sim_k::register_kernel<&kernel, fibers>(#kernel);

/* After a __device__ / __constant__ variable at namespace scope. */
#define PYGPU_SIM_REGISTER_GLOBAL(variable)                                                   \
    static const ::pygpu_sim_k::global_registration PYGPU_SIM_CAT(pygpu_sim_global_, __COUNTER__)( \
        static_cast<const void*>(&(variable)), sizeof(variable), #variable);

#endif /* PYGPU_SIM_KERNEL_LAUNCH_GLUE_H */
