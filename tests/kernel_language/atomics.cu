// Atomics under contention: 64 blocks of 256 threads on several workers,
// every thread updating the same counters. argv[1]: the output file.
#include <cuda_fp16.h>

#include "harness.h"

struct Counters {
    int add_i, sub_i, min_i, max_i, and_i, or_i, xor_i, exch_i, cas_i;
    unsigned add_u, inc_u, dec_u, min_u, max_u, or_u;
    unsigned long long add_ull, min_ull, max_ull, and_ull;
    long long min_ll, max_ll;
    float add_f, exch_f;
    double add_d;
    __half add_h;
    __half2 add_h2;
    unsigned short cas_us;
    int block_i, system_i;
};

__global__ void contend(Counters* c) {
    const int tid = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    atomicAdd(&c->add_i, 1);
    atomicSub(&c->sub_i, 2);
    atomicMin(&c->min_i, 1000 - tid);
    atomicMax(&c->max_i, tid - 1000);
    atomicAnd(&c->and_i, ~(1 << (tid % 31)));
    atomicOr(&c->or_i, 1 << (tid % 31));
    atomicXor(&c->xor_i, 1 << (tid % 31));
    atomicExch(&c->exch_i, tid);
    int old = c->cas_i, seen;
    while ((seen = atomicCAS(&c->cas_i, old, old + 3)) != old) old = seen;
    atomicAdd(&c->add_u, 2u);
    atomicInc(&c->inc_u, 999u);
    atomicDec(&c->dec_u, 999u);
    atomicMin(&c->min_u, static_cast<unsigned>(tid + 5));
    atomicMax(&c->max_u, static_cast<unsigned>(tid + 5));
    atomicOr(&c->or_u, 1u << (tid % 32));
    atomicAdd(&c->add_ull, 1ull << 33);
    atomicMin(&c->min_ull, static_cast<unsigned long long>(tid) + (1ull << 40));
    atomicMax(&c->max_ull, static_cast<unsigned long long>(tid) + (1ull << 40));
    atomicAnd(&c->and_ull, ~(1ull << (tid % 64)) | (1ull << 63));
    atomicMin(&c->min_ll, -static_cast<long long>(tid) * 1000000000LL);
    atomicMax(&c->max_ll, static_cast<long long>(tid) * 1000000000LL);
    atomicAdd(&c->add_f, 1.0f);
    atomicExch(&c->exch_f, static_cast<float>(tid));
    atomicAdd(&c->add_d, 0.5);
    if (tid < 1024) atomicAdd(&c->add_h, __float2half(1.0f));
    if (tid < 512) atomicAdd(&c->add_h2, __floats2half2_rn(1.0f, 2.0f));
    unsigned short o = c->cas_us, s;
    while ((s = atomicCAS(&c->cas_us, o, static_cast<unsigned short>(o + 1))) != o) o = s;
    atomicAdd_block(&c->block_i, 1);
    atomicAdd_system(&c->system_i, 1);
}

int main(int, char** argv) {
    SHOW("register", harness::entry<&contend>::add("contend", false));
    Counters init{};
    init.min_i = 1 << 30; init.max_i = -(1 << 30); init.and_i = -1;
    init.min_u = 0xffffffffu; init.min_ull = ~0ull; init.and_ull = ~0ull;
    init.min_ll = 1; init.max_ll = -1;
    Counters* d = harness::device<Counters>(1, &init);
    SHOW("launch", harness::launch<&contend>(dim3(64), dim3(256), 0, d));
    SHOW("sync", cudaDeviceSynchronize());
    Counters h{};
    harness::fetch(&h, d, 1);
    SHOW("add_i", h.add_i); SHOW("sub_i", h.sub_i); SHOW("min_i", h.min_i); SHOW("max_i", h.max_i);
    SHOW("and_i", h.and_i); SHOW("or_i", h.or_i); SHOW("xor_i", h.xor_i); SHOW("exch_i", h.exch_i);
    SHOW("cas_i", h.cas_i); SHOW("add_u", h.add_u); SHOW("inc_u", h.inc_u); SHOW("dec_u", h.dec_u);
    SHOW("min_u", h.min_u); SHOW("max_u", h.max_u); SHOW("or_u", h.or_u);
    SHOW("add_ull", h.add_ull); SHOW("min_ull", h.min_ull); SHOW("max_ull", h.max_ull); SHOW("and_ull", h.and_ull);
    SHOW("min_ll", h.min_ll); SHOW("max_ll", h.max_ll);
    SHOW("add_f", h.add_f); SHOW("exch_f", h.exch_f); SHOW("add_d2", h.add_d * 2);
    SHOW("add_h", __half2float(h.add_h)); SHOW("add_h2x", __low2float(h.add_h2)); SHOW("add_h2y", __high2float(h.add_h2));
    SHOW("cas_us", h.cas_us); SHOW("block_i", h.block_i); SHOW("system_i", h.system_i);
    (void)argv;
    return 0;
}
