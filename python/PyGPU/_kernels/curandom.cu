// PyGPU.curandom's generators: counter-based Philox4x32-10 (J. K. Salmon, M. A. Moraes, R. O. Dror,
// D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11), with the multipliers and Weyl
// constants of Random123. One source for every backend (NVRTC, hiprtc, the simulated device's compiler).
//
// Element i of a call is made from Philox block j = i / PER (PER = elements per 128-bit block) with the
// counter (base + j) and the 64-bit key (k0, k1): a value depends on the key, the call's first counter
// and the element's index only, never on the launch configuration or the backend. Every kernel has the
// same parameters (out, n, k0, k1, base, a, b); a and b are the normal distribution's mean and standard
// deviation (unused by the uniform kernels).

namespace pygpu_philox {

struct u32x4 {
    unsigned int v[4];
};

// One Philox4x32 round is a 32x32 -> 64-bit product per pair of words; the key is bumped by the Weyl
// constants between rounds (round 1 uses the key as given).
__device__ inline u32x4 philox4x32_10(u32x4 c, unsigned int k0, unsigned int k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const unsigned long long p0 = (unsigned long long)0xD2511F53u * c.v[0];
        const unsigned long long p1 = (unsigned long long)0xCD9E8D57u * c.v[2];
        u32x4 next;
        next.v[0] = (unsigned int)(p1 >> 32) ^ c.v[1] ^ k0;
        next.v[1] = (unsigned int)p1;
        next.v[2] = (unsigned int)(p0 >> 32) ^ c.v[3] ^ k1;
        next.v[3] = (unsigned int)p0;
        c = next;
    }
    return c;
}

// A float in [0, 1) from the top 24 bits of a word (every value exact).
__device__ inline float uniform24(unsigned int w) { return (float)(w >> 8) * (1.0f / 16777216.0f); }

// A double in [0, 1) from the top 53 bits of two words (every value exact).
__device__ inline double uniform53(unsigned int hi, unsigned int lo) {
    return (double)((((unsigned long long)hi << 32) | lo) >> 11) * (1.0 / 9007199254740992.0);
}

// Box-Muller: u1 in (0, 1] (no log of zero), u2 in [0, 1); two independent standard normals.
__device__ inline void box_muller(double u1, double u2, double* z0, double* z1) {
    const double r = sqrt(-2.0 * log(u1));
    const double theta = 6.283185307179586 * u2;
    *z0 = r * cos(theta);
    *z1 = r * sin(theta);
}

struct uniform_float {
    typedef float T;
    enum { PER = 4 };
    __device__ static void values(const u32x4& r, double, double, float* out) {
        for (int e = 0; e < 4; ++e) out[e] = uniform24(r.v[e]);
    }
};

struct uniform_double {
    typedef double T;
    enum { PER = 2 };
    __device__ static void values(const u32x4& r, double, double, double* out) {
        out[0] = uniform53(r.v[0], r.v[1]);
        out[1] = uniform53(r.v[2], r.v[3]);
    }
};

struct uniform_int {
    typedef unsigned int T;
    enum { PER = 4 };
    __device__ static void values(const u32x4& r, double, double, unsigned int* out) {
        for (int e = 0; e < 4; ++e) out[e] = r.v[e];
    }
};

// mean + sigma z, or its exponential for the log-normal distribution.
__device__ inline double shaped(double z, double mean, double sigma, bool log_normal) {
    const double x = mean + sigma * z;
    return log_normal ? exp(x) : x;
}

// float32 normals are computed in double from 32-bit uniforms and rounded once, so every backend's
// result is the same float unless its double log/sin/cos differ across a float's rounding boundary.
template <bool LOG>
struct normal_float_of {
    typedef float T;
    enum { PER = 4 };
    __device__ static void values(const u32x4& r, double mean, double sigma, float* out) {
        for (int pair = 0; pair < 2; ++pair) {
            double z0, z1;
            box_muller(((double)r.v[2 * pair] + 1.0) * (1.0 / 4294967296.0),
                       (double)r.v[2 * pair + 1] * (1.0 / 4294967296.0), &z0, &z1);
            out[2 * pair] = (float)shaped(z0, mean, sigma, LOG);
            out[2 * pair + 1] = (float)shaped(z1, mean, sigma, LOG);
        }
    }
};

template <bool LOG>
struct normal_double_of {
    typedef double T;
    enum { PER = 2 };
    __device__ static void values(const u32x4& r, double mean, double sigma, double* out) {
        double z0, z1;
        box_muller(uniform53(r.v[0], r.v[1]) + (1.0 / 9007199254740992.0), uniform53(r.v[2], r.v[3]), &z0, &z1);
        out[0] = shaped(z0, mean, sigma, LOG);
        out[1] = shaped(z1, mean, sigma, LOG);
    }
};

typedef normal_float_of<false> normal_float;
typedef normal_double_of<false> normal_double;
typedef normal_float_of<true> log_normal_float;
typedef normal_double_of<true> log_normal_double;

// A grid-stride loop over the call's Philox blocks: any grid and block size give the same array.
template <class Kind>
__device__ void fill(typename Kind::T* out, unsigned long long n, unsigned int k0, unsigned int k1,
                     unsigned long long base, double a, double b) {
    const unsigned long long blocks = (n + Kind::PER - 1) / Kind::PER;
    const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    for (unsigned long long j = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; j < blocks;
         j += stride) {
        const unsigned long long counter = base + j;
        u32x4 c;
        c.v[0] = (unsigned int)counter;
        c.v[1] = (unsigned int)(counter >> 32);
        c.v[2] = 0u;
        c.v[3] = 0u;
        typename Kind::T values[Kind::PER];
        Kind::values(philox4x32_10(c, k0, k1), a, b, values);
        for (int e = 0; e < Kind::PER; ++e) {
            const unsigned long long i = j * Kind::PER + e;
            if (i < n) out[i] = values[e];
        }
    }
}

}  // namespace pygpu_philox

// The raw generator, for the known-answer tests: out[4 i .. 4 i + 3] = Philox4x32-10(ctr[i], key[i]).
extern "C" __global__ void pygpu_philox4x32_10(unsigned int* out, const unsigned int* ctr, const unsigned int* key,
                                               unsigned long long n) {
    const unsigned long long i = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    pygpu_philox::u32x4 c;
    for (int w = 0; w < 4; ++w) c.v[w] = ctr[4 * i + w];
    const pygpu_philox::u32x4 r = pygpu_philox::philox4x32_10(c, key[2 * i], key[2 * i + 1]);
    for (int w = 0; w < 4; ++w) out[4 * i + w] = r.v[w];
}

// The kernels, one per distribution and type, are generated from PyGPU._philox.KINDS and appended:
// extern "C" __global__ void pygpu_philox_<kind>(T* out, unsigned long long n, unsigned int k0,
//     unsigned int k1, unsigned long long base, double a, double b) { pygpu_philox::fill<pygpu_philox::<kind>>(...); }
