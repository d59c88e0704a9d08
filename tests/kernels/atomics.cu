// The atomic functions, each applied by every thread to a few counters, so the
// final values do not depend on the order: add, sub, min, max, and, or, xor,
// inc and dec (with their wrap rules), and a double-precision add built from
// atomicCAS as in the CUDA Programming Guide.
#include <cuda_runtime.h>

struct Counters {
    int add;
    int sub;
    int min;
    int max;
    unsigned and_bits;
    unsigned or_bits;
    unsigned xor_bits;
    unsigned inc;
    unsigned dec;
    unsigned long long add64;
    float add_float;
    int exch_seen;
    double add_double;
};

__device__ double atomic_add_cas(double* address, double val) {
    unsigned long long* address_as_ull = reinterpret_cast<unsigned long long*>(address);
    unsigned long long old = *address_as_ull, assumed;
    do {
        assumed = old;
        old = atomicCAS(address_as_ull, assumed, __double_as_longlong(val + __longlong_as_double(assumed)));
    } while (assumed != old);
    return __longlong_as_double(old);
}

__global__ void atomics(const int* values, Counters* c, int* exch_slots, int n, unsigned wrap) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const int v = values[i];
    atomicAdd(&c->add, v);
    atomicSub(&c->sub, v);
    atomicMin(&c->min, v);
    atomicMax(&c->max, v);
    atomicAnd(&c->and_bits, ~(1u << (i % 32)) | (v & 1));
    atomicOr(&c->or_bits, 1u << (static_cast<unsigned>(v) % 32));
    atomicXor(&c->xor_bits, static_cast<unsigned>(v));
    atomicInc(&c->inc, wrap);
    atomicDec(&c->dec, wrap);
    atomicAdd(&c->add64, static_cast<unsigned long long>(i) << 20);
    atomicAdd(&c->add_float, 0.5f);
    // Each slot is exchanged exactly once: the old value proves it.
    const int old = atomicExch(&exch_slots[i], -v);
    if (old == i) atomicAdd(&c->exch_seen, 1);
    atomic_add_cas(&c->add_double, 0.25 * v);
}

extern "C" cudaError_t launch_atomics(const int* values, Counters* counters, int* exch_slots, int n, unsigned wrap,
                                      cudaStream_t stream) {
    atomics<<<(n + 95) / 96, 96, 0, stream>>>(values, counters, exch_slots, n, wrap);
    return cudaGetLastError();
}
