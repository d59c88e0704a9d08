// Every name of the simulated device's kernel language (docs/kernel_language.md)
// in kernel code: test_sim_kernel_language compiles it with g++ against
// PyGPU's headers and with nvcc -c against CUDA's, which proves the names and
// signatures are CUDA's. No __shared__ and no <<<>>> here: those are the
// translator's (PyGPU.cc), which this file does not go through.
#include <cassert>
#include <cstdio>

#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <math_constants.h>

namespace cg = cooperative_groups;

__device__ __forceinline__ float twice(float x) { return 2.0f * x; }
__device__ __noinline__ int thrice(int x) { return 3 * x; }
__host__ __device__ inline int both(int x) { return x + 1; }

struct __align__(16) Aligned {
    float a, b, c, d;
};

__global__ void __launch_bounds__(256) coordinates(unsigned* __restrict__ out) {
    const unsigned i = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const unsigned t = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    out[i * blockDim.x * blockDim.y * blockDim.z + t] = t + static_cast<unsigned>(warpSize);
    const dim3 d = blockDim;
    const uint3 u = threadIdx;
    out[0] += d.x + u.x;
}

__global__ void barriers(int* out) {
    __syncthreads();
    out[0] = __syncthreads_count(threadIdx.x & 1);
    out[1] = __syncthreads_and(threadIdx.x < 1000);
    out[2] = __syncthreads_or(threadIdx.x == 3);
    __syncwarp();
    __syncwarp(0xffffffffu);
    __threadfence();
    __threadfence_block();
    __threadfence_system();
}

__global__ void warps(int* out, float* f, double* d, __half* h) {
    const unsigned m = 0xffffffffu;
    int v = static_cast<int>(threadIdx.x);
    v = __shfl_sync(m, v, 0) + __shfl_sync(m, v, 1, 16);
    v += __shfl_up_sync(m, v, 1) + __shfl_up_sync(m, v, 2, 8);
    v += __shfl_down_sync(m, v, 1) + __shfl_down_sync(m, v, 2, 8);
    v += __shfl_xor_sync(m, v, 1) + __shfl_xor_sync(m, v, 2, 4);
    unsigned u = __shfl_sync(m, 1u, 0);
    long long ll = __shfl_sync(m, 1ll, 0);
    unsigned long long ull = __shfl_xor_sync(m, 1ull, 1);
    f[0] = __shfl_down_sync(m, f[0], 1);
    d[0] = __shfl_up_sync(m, d[0], 1);
    h[0] = __shfl_sync(m, h[0], 0);
    __half2 h2 = __shfl_xor_sync(m, __halves2half2(h[0], h[0]), 1);
    unsigned b = __ballot_sync(m, v > 0);
    int any = __any_sync(m, v > 0), all = __all_sync(m, v > 0);
    unsigned active = __activemask();
    unsigned same = __match_any_sync(m, v);
    int pred = 0;
    unsigned whole = __match_all_sync(m, v, &pred);
    unsigned r = __reduce_add_sync(m, u) + __reduce_min_sync(m, u) + __reduce_max_sync(m, u) +
                 __reduce_and_sync(m, u) + __reduce_or_sync(m, u) + __reduce_xor_sync(m, u);
    int ri = __reduce_add_sync(m, v) + __reduce_min_sync(m, v) + __reduce_max_sync(m, v);
    out[0] = v + static_cast<int>(u + b + active + same + whole + r) + any + all + pred + ri +
             static_cast<int>(ll + ull) + __half2int_rz(h2.x);
}

__global__ void atomics(int* i, unsigned* u, unsigned long long* ull, long long* ll, float* f, double* d,
                        unsigned short* us, __half* h, __half2* h2) {
    atomicAdd(i, 1); atomicAdd(u, 1u); atomicAdd(ull, 1ull); atomicAdd(f, 1.0f); atomicAdd(d, 1.0);
    atomicAdd(h, __float2half(1.0f)); atomicAdd(h2, __float2half2_rn(1.0f));
    atomicAdd_block(i, 1); atomicAdd_system(i, 1);
    atomicSub(i, 1); atomicSub(u, 1u); atomicSub_block(i, 1); atomicSub_system(u, 1u);
    atomicExch(i, 1); atomicExch(u, 1u); atomicExch(ull, 1ull); atomicExch(f, 1.0f);
    atomicExch_block(i, 1); atomicExch_system(f, 1.0f);
    atomicMin(i, 1); atomicMin(u, 1u); atomicMin(ull, 1ull); atomicMin(ll, 1ll);
    atomicMax(i, 1); atomicMax(u, 1u); atomicMax(ull, 1ull); atomicMax(ll, 1ll);
    atomicMin_block(i, 1); atomicMax_system(ll, 1ll);
    atomicInc(u, 10u); atomicDec(u, 10u); atomicInc_block(u, 10u); atomicDec_system(u, 10u);
    atomicCAS(i, 1, 2); atomicCAS(u, 1u, 2u); atomicCAS(ull, 1ull, 2ull); atomicCAS(us, (unsigned short)1, (unsigned short)2);
    atomicCAS_block(i, 1, 2); atomicCAS_system(u, 1u, 2u);
    atomicAnd(i, 1); atomicAnd(u, 1u); atomicAnd(ull, 1ull);
    atomicOr(i, 1); atomicOr(u, 1u); atomicOr(ull, 1ull);
    atomicXor(i, 1); atomicXor(u, 1u); atomicXor(ull, 1ull);
    atomicAnd_block(i, 1); atomicOr_system(u, 1u); atomicXor_block(ull, 1ull);
}

__global__ void math(float* f, double* d) {
    float x = f[0], y = f[1], s, c;
    double a = d[0], b = d[1], ds, dc;
    f[2] = sinf(x) + cosf(x) + tanf(x) + asinf(x) + acosf(x) + atanf(x) + atan2f(x, y) + sinhf(x) + coshf(x) +
           tanhf(x) + asinhf(x) + acoshf(x) + atanhf(x) + expf(x) + exp2f(x) + exp10f(x) + expm1f(x) + logf(x) +
           log2f(x) + log10f(x) + log1pf(x) + logbf(x) + powf(x, y) + sqrtf(x) + rsqrtf(x) + cbrtf(x) +
           rcbrtf(x) + hypotf(x, y) + rhypotf(x, y) + norm3df(x, y, x) + rnorm3df(x, y, x) +
           norm4df(x, y, x, y) + rnorm4df(x, y, x, y) + normf(2, f) + rnormf(2, f) + erff(x) + erfcf(x) +
           erfinvf(x) + erfcinvf(x) + erfcxf(x) + normcdff(x) + normcdfinvf(x) + lgammaf(x) + tgammaf(x) +
           j0f(x) + j1f(x) + jnf(2, x) + y0f(x) + y1f(x) + ynf(2, x) + cyl_bessel_i0f(x) + cyl_bessel_i1f(x) +
           sinpif(x) + cospif(x) + fabsf(x) + fminf(x, y) + fmaxf(x, y) + fdimf(x, y) + fmodf(x, y) +
           remainderf(x, y) + fmaf(x, y, x) + floorf(x) + ceilf(x) + truncf(x) + roundf(x) + rintf(x) +
           nearbyintf(x) + copysignf(x, y) + nextafterf(x, y) + ldexpf(x, 2) + scalbnf(x, 2) + scalblnf(x, 2) +
           frexpf(x, nullptr) + modff(x, &s) + remquof(x, y, nullptr) + fdividef(x, y) + nanf("") +
           static_cast<float>(ilogbf(x) + lrintf(x) + lroundf(x) + llrintf(x) + llroundf(x)) +
           static_cast<float>(isnan(x) + isinf(x) + isfinite(x) + signbit(x)) + sin(x) + min(x, y) + max(x, y);
    sincosf(x, &s, &c);
    sincospif(x, &s, &c);
    __sincosf(x, &s, &c);
    f[3] = s + c + __expf(x) + __exp10f(x) + __logf(x) + __log2f(x) + __log10f(x) + __sinf(x) + __cosf(x) +
           __tanf(x) + __powf(x, y) + __fdividef(x, y) + __saturatef(x) + __frsqrt_rn(x) +
           __fadd_rn(x, y) + __fadd_rz(x, y) + __fadd_ru(x, y) + __fadd_rd(x, y) + __fsub_rn(x, y) +
           __fsub_rz(x, y) + __fsub_ru(x, y) + __fsub_rd(x, y) + __fmul_rn(x, y) + __fmul_rz(x, y) +
           __fmul_ru(x, y) + __fmul_rd(x, y) + __fdiv_rn(x, y) + __fdiv_rz(x, y) + __fdiv_ru(x, y) +
           __fdiv_rd(x, y) + __frcp_rn(x) + __frcp_rz(x) + __frcp_ru(x) + __frcp_rd(x) + __fsqrt_rn(x) +
           __fsqrt_rz(x) + __fsqrt_ru(x) + __fsqrt_rd(x) + __fmaf_rn(x, y, x) + __fmaf_rz(x, y, x) +
           __fmaf_ru(x, y, x) + __fmaf_rd(x, y, x) + CUDART_PI_F + CUDART_INF_F + CUDART_NAN_F;
    sincos(a, &ds, &dc);
    sincospi(a, &ds, &dc);
    d[2] = sin(a) + cos(a) + tan(a) + exp(a) + exp10(a) + log(a) + pow(a, b) + sqrt(a) + rsqrt(a) + cbrt(a) +
           rcbrt(a) + hypot(a, b) + rhypot(a, b) + norm3d(a, b, a) + rnorm3d(a, b, a) + norm4d(a, b, a, b) +
           rnorm4d(a, b, a, b) + norm(2, d) + rnorm(2, d) + erf(a) + erfc(a) + erfinv(a) + erfcinv(a) +
           erfcx(a) + normcdf(a) + normcdfinv(a) + lgamma(a) + tgamma(a) + cyl_bessel_i0(a) + cyl_bessel_i1(a) +
           sinpi(a) + cospi(a) + fma(a, b, a) + ds + dc + min(a, b) + max(a, b) + __dadd_rn(a, b) +
           __dadd_rz(a, b) + __dadd_ru(a, b) + __dadd_rd(a, b) + __dsub_rn(a, b) + __dsub_rz(a, b) +
           __dsub_ru(a, b) + __dsub_rd(a, b) + __dmul_rn(a, b) + __dmul_rz(a, b) + __dmul_ru(a, b) +
           __dmul_rd(a, b) + __ddiv_rn(a, b) + __ddiv_rz(a, b) + __ddiv_ru(a, b) + __ddiv_rd(a, b) +
           __drcp_rn(a) + __drcp_rz(a) + __drcp_ru(a) + __drcp_rd(a) + __dsqrt_rn(a) + __dsqrt_rz(a) +
           __dsqrt_ru(a) + __dsqrt_rd(a) + __fma_rn(a, b, a) + __fma_rz(a, b, a) + __fma_ru(a, b, a) +
           __fma_rd(a, b, a) + CUDART_PI + CUDART_INF + CUDART_NAN;
    f[4] = static_cast<float>(min(1, 2) + max(1u, 2u) + min(1ll, 2ll) + max(1ull, 2ull) + umin(1u, 2u) +
                              umax(1u, 2u) + llmin(1ll, 2ll) + llmax(1ll, 2ll) + ullmin(1ull, 2ull) +
                              ullmax(1ull, 2ull));
}

__global__ void conversions(int* i, float* f, double* d) {
    const float x = f[0];
    const double a = d[0];
    i[0] = __float2int_rn(x) + __float2int_rz(x) + __float2int_ru(x) + __float2int_rd(x) +
           static_cast<int>(__float2uint_rn(x) + __float2uint_rz(x) + __float2uint_ru(x) + __float2uint_rd(x)) +
           static_cast<int>(__float2ll_rn(x) + __float2ll_rz(x) + __float2ll_ru(x) + __float2ll_rd(x)) +
           static_cast<int>(__float2ull_rn(x) + __float2ull_rz(x) + __float2ull_ru(x) + __float2ull_rd(x)) +
           __double2int_rn(a) + __double2int_rz(a) + __double2int_ru(a) + __double2int_rd(a) +
           static_cast<int>(__double2uint_rn(a) + __double2uint_rz(a) + __double2uint_ru(a) + __double2uint_rd(a)) +
           static_cast<int>(__double2ll_rn(a) + __double2ll_rz(a) + __double2ll_ru(a) + __double2ll_rd(a)) +
           static_cast<int>(__double2ull_rn(a) + __double2ull_rz(a) + __double2ull_ru(a) + __double2ull_rd(a)) +
           __float_as_int(x) + static_cast<int>(__float_as_uint(x)) + __double2hiint(a) + __double2loint(a) +
           static_cast<int>(__double_as_longlong(a));
    f[1] = __int2float_rn(1) + __int2float_rz(1) + __int2float_ru(1) + __int2float_rd(1) + __uint2float_rn(1u) +
           __uint2float_rz(1u) + __uint2float_ru(1u) + __uint2float_rd(1u) + __ll2float_rn(1ll) +
           __ll2float_rz(1ll) + __ll2float_ru(1ll) + __ll2float_rd(1ll) + __ull2float_rn(1ull) +
           __ull2float_rz(1ull) + __ull2float_ru(1ull) + __ull2float_rd(1ull) + __double2float_rn(a) +
           __double2float_rz(a) + __double2float_ru(a) + __double2float_rd(a) + __int_as_float(1) +
           __uint_as_float(1u);
    d[1] = __ll2double_rn(1ll) + __ll2double_rz(1ll) + __ll2double_ru(1ll) + __ll2double_rd(1ll) +
           __ull2double_rn(1ull) + __ull2double_rz(1ull) + __ull2double_ru(1ull) + __ull2double_rd(1ull) +
           __int2double_rn(1) + __uint2double_rn(1u) + __longlong_as_double(1ll) + __hiloint2double(1, 2);
}

__global__ void integers(unsigned* u, int* i, unsigned long long* ull, long long* ll) {
    const unsigned x = u[0], y = u[1];
    u[2] = static_cast<unsigned>(__popc(x) + __popcll(ull[0]) + __clz(i[0]) + __clzll(ll[0]) + __ffs(i[0]) +
                                 __ffsll(ll[0])) +
           __brev(x) + static_cast<unsigned>(__brevll(ull[0])) + __byte_perm(x, y, 0x3210u) + __fns(x, 0u, 1) +
           __funnelshift_l(x, y, 3u) + __funnelshift_lc(x, y, 3u) + __funnelshift_r(x, y, 3u) +
           __funnelshift_rc(x, y, 3u) + static_cast<unsigned>(__mulhi(i[0], i[1])) + __umulhi(x, y) +
           static_cast<unsigned>(__mul64hi(ll[0], ll[1])) + static_cast<unsigned>(__umul64hi(ull[0], ull[1])) +
           static_cast<unsigned>(__mul24(i[0], i[1])) + __umul24(x, y) + __sad(i[0], i[1], x) + __usad(x, y, x) +
           static_cast<unsigned>(__hadd(i[0], i[1]) + __rhadd(i[0], i[1])) + __uhadd(x, y) + __urhadd(x, y);
}

__global__ void halves(__half* h, __half2* h2, float* f) {
    __half a = h[0], b = h[1], c = __float2half(f[0]);
    __half2 p = h2[0], q = __floats2half2_rn(f[0], f[1]);
    h[2] = __hadd(a, b) + __hsub(a, b) + __hmul(a, b) + __hdiv(a, b) + __hfma(a, b, c) + __hneg(a) + __habs(a) +
           __hadd_sat(a, b) + __hsub_sat(a, b) + __hmul_sat(a, b) + __hfma_sat(a, b, c) + __hmax(a, b) +
           __hmin(a, b) + __hmax_nan(a, b) + __hmin_nan(a, b) + hsqrt(a) + hrsqrt(a) + hrcp(a) + hexp(a) +
           hexp2(a) + hexp10(a) + hlog(a) + hlog2(a) + hlog10(a) + hsin(a) + hcos(a) + hceil(a) + hfloor(a) +
           htrunc(a) + hrint(a) + __float2half_rn(f[0]) + __float2half_rz(f[0]) + __float2half_ru(f[0]) +
           __float2half_rd(f[0]) + __double2half(1.0) + __int2half_rn(1) + __int2half_rz(1) + __int2half_ru(1) +
           __int2half_rd(1) + __uint2half_rn(1u) + __short2half_rn(1) + __ushort2half_rn(1) + __ll2half_rn(1ll) +
           __ull2half_rn(1ull) + __short_as_half(1) + __ushort_as_half(1) + __low2half(p) + __high2half(p);
    a += b; a -= b; a *= b; a /= b; ++a; --a; a++; a--;
    const bool cmp = __heq(a, b) || __hne(a, b) || __hlt(a, b) || __hle(a, b) || __hgt(a, b) || __hge(a, b) ||
                     __hequ(a, b) || __hneu(a, b) || __hltu(a, b) || __hleu(a, b) || __hgtu(a, b) ||
                     __hgeu(a, b) || __hisnan(a) || __hisinf(a) != 0 || a == b || a != b || a < b || a <= b ||
                     a > b || a >= b || __hbeq2(p, q) || __hbne2(p, q) || __hblt2(p, q) || __hble2(p, q) ||
                     __hbgt2(p, q) || __hbge2(p, q) || p == q;
    h2[1] = __hadd2(p, q) + __hsub2(p, q) + __hmul2(p, q) + __h2div(p, q) + __hfma2(p, q, p) + __hneg2(p) +
            __habs2(p) + __hadd2_sat(p, q) + __hsub2_sat(p, q) + __hmul2_sat(p, q) + __hfma2_sat(p, q, p) +
            __hmax2(p, q) + __hmin2(p, q) + __heq2(p, q) + __hne2(p, q) + __hlt2(p, q) + __hle2(p, q) +
            __hgt2(p, q) + __hge2(p, q) + __hequ2(p, q) + __hisnan2(p) + h2sqrt(p) + h2exp(p) + h2log(p) +
            h2sin(p) + h2cos(p) + h2rcp(p) + h2rsqrt(p) + h2floor(p) + h2ceil(p) + h2trunc(p) + h2rint(p) +
            __float2half2_rn(f[0]) + __float22half2_rn(make_float2(f[0], f[1])) + __half2half2(a) +
            __halves2half2(a, b) + make_half2(a, b) + __low2half2(p) + __high2half2(p) + __lows2half2(p, q) +
            __highs2half2(p, q) + __lowhigh2highlow(p);
    const float2 back = __half22float2(p);
    f[2] = back.x + back.y + __half2float(a) + __low2float(p) + __high2float(p) + static_cast<float>(cmp) +
           static_cast<float>(__half2int_rn(a) + __half2int_rz(a) + __half2int_ru(a) + __half2int_rd(a) +
                              static_cast<int>(__half2uint_rz(a) + __half2short_rz(a) + __half2ushort_rz(a) +
                                               __half2ll_rz(a) + __half2ull_rz(a)) +
                              __half_as_short(a) + __half_as_ushort(a));
    half alias = a;
    half2 alias2 = p;
    f[3] = __half2float(alias) + __low2float(alias2);
}

__global__ void groups(int* out) {
    cg::thread_block block = cg::this_thread_block();
    block.sync();
    cg::sync(block);
    const dim3 gi = block.group_index(), ti = block.thread_index(), gd = block.group_dim(), dt = block.dim_threads();
    unsigned long long n = block.thread_rank() + block.size() + block.num_threads() + gi.x + ti.x + gd.x + dt.x;
    cg::thread_block_tile<32> t32 = cg::tiled_partition<32>(block);
    cg::thread_block_tile<16> t16 = cg::tiled_partition<16>(block);
    cg::thread_block_tile<8> t8 = cg::tiled_partition<8>(block);
    cg::thread_block_tile<4> t4 = cg::tiled_partition<4>(block);
    t32.sync();
    int v = static_cast<int>(t16.thread_rank() + t16.size() + t16.num_threads() + t16.meta_group_rank() +
                             t16.meta_group_size());
    v += t8.shfl(v, 0) + t8.shfl_up(v, 1) + t8.shfl_down(v, 1) + t8.shfl_xor(v, 1);
    v += static_cast<int>(t4.ballot(v > 0)) + t4.any(v > 0) + t4.all(v > 0);
    v += cg::reduce(t32, v, cg::plus<int>()) + cg::reduce(t16, v, cg::greater<int>()) +
         cg::reduce(t8, v, cg::less<int>());
    cg::thread_group dynamic = cg::tiled_partition(block, 8);
    dynamic.sync();
    v += static_cast<int>(dynamic.thread_rank() + dynamic.size());
    out[0] = v + static_cast<int>(n);
}

__global__ void output(int* p, const int* q) {
    printf("thread %d of block %d: %f\n", static_cast<int>(threadIdx.x), static_cast<int>(blockIdx.x), 1.5);
    assert(p[0] >= 0);
    p[1] = __ldg(q) + __ldg(&q[1]) + static_cast<int>(clock() + clock64() > 0);
    const int4 v = make_int4(1, 2, 3, 4);
    const float4 w = make_float4(1, 2, 3, 4);
    const double2 z = make_double2(1, 2);
    const uchar4 c4 = make_uchar4(1, 2, 3, 4);
    p[2] = v.x + static_cast<int>(w.y + z.x) + c4.z + twice(1.0f) + thrice(2) + both(3);
    Aligned a{1, 2, 3, 4};
    p[3] = static_cast<int>(a.d);
}
