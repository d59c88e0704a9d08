// Structs by value as kernel arguments and arrays of structs in device
// memory: an explicit Euler step of particles under gravity with a floor.
#include <cuda_runtime.h>

struct Particle {
    float3 position;
    float3 velocity;
    int bounces;
};

struct StepParams {
    float dt;
    float3 gravity;
    float restitution;
    float floor_y;
};

__device__ void step(Particle& p, const StepParams& s) {
    p.velocity.x += s.gravity.x * s.dt;
    p.velocity.y += s.gravity.y * s.dt;
    p.velocity.z += s.gravity.z * s.dt;
    p.position.x += p.velocity.x * s.dt;
    p.position.y += p.velocity.y * s.dt;
    p.position.z += p.velocity.z * s.dt;
    if (p.position.y < s.floor_y) {
        p.position.y = s.floor_y;
        p.velocity.y = -p.velocity.y * s.restitution;
        p.bounces += 1;
    }
}

__global__ void integrate(Particle* particles, StepParams params, int n, int steps) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    Particle p = particles[i];
    for (int k = 0; k < steps; ++k) step(p, params);
    particles[i] = p;
}

extern "C" cudaError_t launch_integrate(Particle* particles, StepParams params, int n, int steps,
                                        cudaStream_t stream) {
    integrate<<<(n + 63) / 64, 64, 0, stream>>>(particles, params, n, steps);
    return cudaGetLastError();
}
