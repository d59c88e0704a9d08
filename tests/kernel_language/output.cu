// printf in kernels (loop and fiber kernels; the text appears by the next
// synchronisation, lines whole), printf on the host (at once), and a failed
// assert in a kernel: cudaErrorAssert with file, line, block and thread.
#include <cassert>

#include "harness.h"

__global__ void talk(int n) {
    const int tid = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (tid < n) printf("kernel line %d of block %d: %.2f %s\n", tid, static_cast<int>(blockIdx.x), tid * 0.5, "ok");
    if (tid == 0) printf("kernel no newline\n");  // GCC may make this a puts()
    if (tid == 1) std::printf("%s\n", "kernel through std::printf");
    if (tid == 2) putchar('!');
}
__global__ void talk_fibers(int n) {
    const int tid = static_cast<int>(threadIdx.x);
    printf("fiber %d before\n", tid);
    __syncthreads();
    if (tid < n) printf("fiber %d after\n", tid);
}
__global__ void checked(int limit) {
    assert(static_cast<int>(threadIdx.x) < limit || blockIdx.x != 2);
}

int main() {
    SHOW("register", harness::entry<&talk>::add("talk", false) | harness::entry<&talk_fibers>::add("talk_fibers", true) |
                         harness::entry<&checked>::add("checked", false));
    std::printf("host before\n");
    std::fflush(stdout);
    SHOW("talk", harness::launch<&talk>(dim3(2), dim3(8), 0, 12));
    SHOW("talk_fibers", harness::launch<&talk_fibers>(dim3(1), dim3(4), 0, 2));
    SHOW("sync", cudaDeviceSynchronize());
    std::printf("host after\n");
    std::fflush(stdout);
    SHOW("checked_ok", harness::launch<&checked>(dim3(4), dim3(32), 0, 32));
    SHOW("checked_ok_sync", cudaDeviceSynchronize());
    SHOW("checked", harness::launch<&checked>(dim3(4), dim3(32), 0, 7));
    SHOW("checked_sync", cudaDeviceSynchronize());
    std::printf("message %s\n", pygpu_sim_last_message());
    return 0;
}
