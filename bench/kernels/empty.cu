// An empty kernel, one block of one thread: the cost of a launch. noop() is
// the bare ctypes call the launch is measured against.
#include <cuda_runtime.h>

__global__ void empty() {}

extern "C" int empty_launch(void* stream) {
    empty<<<1, 1, 0, static_cast<cudaStream_t>(stream)>>>();
    return cudaGetLastError();
}

extern "C" int noop(void* stream) {
    (void)stream;
    return 0;
}
