// PyGPU.curandom's generators: counter-based Philox4x32-10 (J. K. Salmon, M. A. Moraes, R. O. Dror,
// D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11), with the multipliers and Weyl
// constants of Random123. One source for every backend (NVRTC, hiprtc, the simulated device's compiler).
//
// Element i of a call is made from Philox block j = i / PER (PER = elements per 128-bit block) with the
// counter (base + j, 0) and the 64-bit key (k0, k1): a value depends on the key, the call's first counter
// and the element's index only, never on the launch configuration or the backend. A Poisson element, which
// needs a varying number of words, continues with the counters (base + j, 1), (base + j, 2), ... that no
// other element or call uses. Every kernel has the same parameters (out, n, k0, k1, base, a, b): a and b
// are the normal distribution's mean and standard deviation, or a is the Poisson distribution's lambda.

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

// The words of one element: the first block, then (for Poisson) as many more as it asks for.
struct draws {
    u32x4 c;
    unsigned int k0, k1;
    u32x4 r;
    int used;

    __device__ draws(unsigned long long counter, unsigned int key0, unsigned int key1) : k0(key0), k1(key1), used(0) {
        c.v[0] = (unsigned int)counter;
        c.v[1] = (unsigned int)(counter >> 32);
        c.v[2] = 0u;
        c.v[3] = 0u;
        r = philox4x32_10(c, k0, k1);
    }

    // The next word as a double in (0, 1).
    __device__ double uniform() {
        if (used == 4) {
            ++c.v[2];
            r = philox4x32_10(c, k0, k1);
            used = 0;
        }
        return ((double)r.v[used++] + 0.5) * (1.0 / 4294967296.0);
    }
};

struct uniform_float {
    typedef float T;
    enum { PER = 4, READS = 0 };
    __device__ static void values(draws& d, double, double, float* out) {
        for (int e = 0; e < 4; ++e) out[e] = uniform24(d.r.v[e]);
    }
};

struct uniform_double {
    typedef double T;
    enum { PER = 2, READS = 0 };
    __device__ static void values(draws& d, double, double, double* out) {
        out[0] = uniform53(d.r.v[0], d.r.v[1]);
        out[1] = uniform53(d.r.v[2], d.r.v[3]);
    }
};

struct uniform_int {
    typedef unsigned int T;
    enum { PER = 4, READS = 0 };
    __device__ static void values(draws& d, double, double, unsigned int* out) {
        for (int e = 0; e < 4; ++e) out[e] = d.r.v[e];
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
    enum { PER = 4, READS = 0 };
    __device__ static void values(draws& d, double mean, double sigma, float* out) {
        for (int pair = 0; pair < 2; ++pair) {
            double z0, z1;
            box_muller(((double)d.r.v[2 * pair] + 1.0) * (1.0 / 4294967296.0),
                       (double)d.r.v[2 * pair + 1] * (1.0 / 4294967296.0), &z0, &z1);
            out[2 * pair] = (float)shaped(z0, mean, sigma, LOG);
            out[2 * pair + 1] = (float)shaped(z1, mean, sigma, LOG);
        }
    }
};

template <bool LOG>
struct normal_double_of {
    typedef double T;
    enum { PER = 2, READS = 0 };
    __device__ static void values(draws& d, double mean, double sigma, double* out) {
        double z0, z1;
        box_muller(uniform53(d.r.v[0], d.r.v[1]) + (1.0 / 9007199254740992.0), uniform53(d.r.v[2], d.r.v[3]), &z0,
                   &z1);
        out[0] = shaped(z0, mean, sigma, LOG);
        out[1] = shaped(z1, mean, sigma, LOG);
    }
};

typedef normal_float_of<false> normal_float;
typedef normal_double_of<false> normal_double;
typedef normal_float_of<true> log_normal_float;
typedef normal_double_of<true> log_normal_double;

// A Poisson variate of mean lambda (lambda <= 0 or NaN: 0; above 2^31 it is taken as 2^31). Below 64,
// Knuth's method: count the uniforms whose running product stays above exp(-lambda). From 64 on,
// W. Hoermann's transformed rejection with squeeze (PTRS, "The transformed rejection method for generating
// Poisson random variables", Insurance: Mathematics and Economics 12, 1993), about 1.1 tries per value.
__device__ inline double poisson(draws& d, double lambda) {
    if (!(lambda > 0.0)) return 0.0;
    if (lambda > 2147483648.0) lambda = 2147483648.0;
    if (lambda < 64.0) {
        const double limit = exp(-lambda);
        double k = 0.0;
        for (double p = d.uniform(); p > limit; p *= d.uniform()) k += 1.0;
        return k;
    }
    const double slam = sqrt(lambda), loglam = log(lambda);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        const double u = d.uniform() - 0.5, v = d.uniform();
        const double us = 0.5 - fabs(u);
        const double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr) return k;
        if (k < 0.0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + k * loglam - lgamma(k + 1.0)) return k;
    }
}

// Poisson of the kernel's lambda (a) into unsigned int, or in place of each element's own value (READS).
template <typename Out, bool IN_PLACE>
struct poisson_of {
    typedef Out T;
    enum { PER = 1, READS = IN_PLACE };
    __device__ static void values(draws& d, double lambda, double, Out* inout) {
        inout[0] = (Out)poisson(d, IN_PLACE ? (double)inout[0] : lambda);
    }
};

typedef poisson_of<unsigned int, false> poisson_int;
typedef poisson_of<float, true> poisson_inplace_float;
typedef poisson_of<double, true> poisson_inplace_double;
typedef poisson_of<unsigned int, true> poisson_inplace_int;

// A grid-stride loop over the call's Philox blocks: any grid and block size give the same array.
template <class Kind>
__device__ void fill(typename Kind::T* out, unsigned long long n, unsigned int k0, unsigned int k1,
                     unsigned long long base, double a, double b) {
    const unsigned long long blocks = (n + Kind::PER - 1) / Kind::PER;
    const unsigned long long stride = (unsigned long long)gridDim.x * blockDim.x;
    for (unsigned long long j = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; j < blocks;
         j += stride) {
        draws d(base + j, k0, k1);
        typename Kind::T values[Kind::PER];
        if (Kind::READS) {
            for (int e = 0; e < Kind::PER; ++e) {
                const unsigned long long i = j * Kind::PER + e;
                if (i < n) values[e] = out[i];
            }
        }
        Kind::values(d, a, b, values);
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
