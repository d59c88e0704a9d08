// Hand-written trampolines for test_sim_kernel_language: what the compiler
// driver's generated code (kernel/launch.h) does, kept minimal. A kernel is a
// plain function; entry<&k> registers it (its address is the host stub) with
// a loop entry (run_block) or a fiber entry (run_thread), each setting
// pygpu_sim_k::current; launch<&k>(grid, block, shared, args...) launches it
// with arguments of exactly the parameter types.
#ifndef PYGPU_SIM_TEST_HARNESS_H
#define PYGPU_SIM_TEST_HARNESS_H

#define PYGPU_SIM_DEVICE_SUPPORT  // printf and assert route to the simulated device
#include <cuda_runtime.h>
#include <launch.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace harness {

template <auto F>
struct entry;

template <class... P, void (*F)(P...)>
struct entry<F> {
    template <size_t... I>
    static void call(const pygpu_sim_block_context* b, std::index_sequence<I...>) {
        F(*static_cast<P*>(b->args[I])...);
    }
    static void run_thread(pygpu_sim_thread_context* t) {
        pygpu_sim_k::current = t;
        call(t->block, std::index_sequence_for<P...>{});
    }
    static void run_block(pygpu_sim_thread_context* t) {
        pygpu_sim_k::current = t;
        const pygpu_sim_dim3 d = t->block->block_dim;
        for (unsigned z = 0; z < d.z; ++z) {
            for (unsigned y = 0; y < d.y; ++y) {
                for (unsigned x = 0; x < d.x; ++x) {
                    t->thread_idx = pygpu_sim_dim3{x, y, z};
                    call(t->block, std::index_sequence_for<P...>{});
                }
            }
        }
    }
    static int add(const char* name, bool fibers) {
        static const size_t sizes[] = {sizeof(P)...};
        pygpu_sim_kernel_desc d{};
        d.abi_version = PYGPU_SIM_KERNEL_ABI_VERSION;
        d.name = name;
        d.run_block = fibers ? nullptr : run_block;
        d.run_thread = fibers ? run_thread : nullptr;
        d.param_count = sizeof...(P);
        d.param_sizes = sizes;
        d.abi_tag = PYGPU_SIM_KERNEL_ABI_TAG;
        return pygpu_sim_register_kernel(reinterpret_cast<const void*>(F), &d);
    }
};

template <auto F, class... A>
cudaError_t launch(dim3 grid, dim3 block, size_t shared, A... args) {
    void* argv[] = {static_cast<void*>(&args)...};
    return cudaLaunchKernel(reinterpret_cast<const void*>(F), grid, block, argv, shared, 0);
}

// Device buffers of n values, copied in and out.
template <class T>
T* device(size_t n, const T* init = nullptr) {
    void* p = nullptr;
    if (cudaMalloc(&p, n * sizeof(T) + 1) != cudaSuccess) std::abort();
    if (init != nullptr) cudaMemcpy(p, init, n * sizeof(T), cudaMemcpyHostToDevice);
    else cudaMemset(p, 0, n * sizeof(T));
    return static_cast<T*>(p);
}
template <class T>
void fetch(T* host, const T* dev, size_t n) {
    if (cudaMemcpy(host, dev, n * sizeof(T), cudaMemcpyDeviceToHost) != cudaSuccess) std::abort();
}

// Writes n values to the file named by path (the test reads it with numpy).
template <class T>
void dump(const char* path, const T* values, size_t n) {
    FILE* f = std::fopen(path, "wb");
    if (f == nullptr || std::fwrite(values, sizeof(T), n, f) != n) std::abort();
    std::fclose(f);
}

}  // namespace harness

#define SHOW(name, expr) std::printf("%s %lld\n", name, static_cast<long long>(expr))

#endif  // PYGPU_SIM_TEST_HARNESS_H
