// PyGPU.reduction.ReductionKernel: PyCUDA's two-stage reduction (get_reduction_module), both stages in one
// module. A string.Template (PyGPU.reduction.reduction_source) of block_size, out_type, neutral, reduce_expr,
// map_expr, arguments, name and preamble.
//
// Stage 1: block b reduces elements [b*BLOCK_SIZE*seq_count, (b+1)*BLOCK_SIZE*seq_count) of the mapped input,
// each thread seq_count of them BLOCK_SIZE apart, and writes one value per block. Stage 2 reduces those values
// the same way, until one block is left. The tree inside a block has a barrier at every level (PyCUDA's
// warp-synchronous tail over volatile shared memory is wrong under independent thread scheduling, and on the
// simulated device), so any copyable out_type works, without volatile members.
//
// The partial kernels are the same reduction without barriers, for the simulated device (where a barrier makes
// every thread a fiber): thread g of the grid reduces the contiguous elements [g*per_thread, (g+1)*per_thread)
// in eight interleaved accumulators (independent chains a CPU overlaps, each reducing an eighth of the run) and
// writes one partial result; each pass divides the count by per_thread until one value is left. They are
// correct on a GPU too, where the host launches the tree stages instead (their loads coalesce).
//
// out_type is a macro, and every macro is undefined at the end: sources of kernels of different names can
// follow one another in one translation unit (the NVRTC and hiprtc checks compile them so).

#include <pycuda-complex.hpp>

#define BLOCK_SIZE ${block_size}
#define REDUCE(a, b) (${reduce_expr})

${preamble}

#define out_type ${out_type}

__device__ static void ${name}_block(out_type *sdata, out_type acc, out_type *out)
{
  const unsigned int tid = threadIdx.x;
  sdata[tid] = acc;
  __syncthreads();
  for (unsigned int half = BLOCK_SIZE / 2; half > 0; half /= 2)
  {
    if (tid < half)
      sdata[tid] = REDUCE(sdata[tid], sdata[tid + half]);
    __syncthreads();
  }
  if (tid == 0)
    out[blockIdx.x] = sdata[0];
}

extern "C" __global__ void ${name}_stage1(out_type *out, ${arguments}, unsigned int seq_count, size_t n)
{
  extern __shared__ out_type ${name}_sdata1[];
  size_t i = (size_t)blockIdx.x * BLOCK_SIZE * seq_count + threadIdx.x;
  out_type acc = ${neutral};
  for (unsigned int s = 0; s < seq_count && i < n; ++s, i += BLOCK_SIZE)
    acc = REDUCE(acc, (${map_expr}));
  ${name}_block(${name}_sdata1, acc, out);
}

extern "C" __global__ void ${name}_stage2(out_type *out, const out_type *pycuda_reduction_inp, ${arguments},
                                          unsigned int seq_count, size_t n)
{
  extern __shared__ out_type ${name}_sdata2[];
  size_t i = (size_t)blockIdx.x * BLOCK_SIZE * seq_count + threadIdx.x;
  out_type acc = ${neutral};
  for (unsigned int s = 0; s < seq_count && i < n; ++s, i += BLOCK_SIZE)
    acc = REDUCE(acc, pycuda_reduction_inp[i]);
  ${name}_block(${name}_sdata2, acc, out);
}

template <class Value>
__device__ static out_type ${name}_run(Value value, size_t first, size_t last)
{
  out_type acc[8];
  for (int k = 0; k < 8; ++k)
    acc[k] = ${neutral};
  // Results narrower than int keep one accumulator: GCC 12's loop vectoriser miscounts interleaved 8- and
  // 16-bit accumulators (each held half or a quarter of its elements), and their reductions are not the slow ones.
  for (; sizeof(out_type) >= 4 && first + 8 <= last; first += 8)
  {
    // Kept a loop for GCC's loop vectoriser, which if-converts a select (a float max's `b > a ? b : a` becomes
    // maxps); unrolled first, the eight selects stay scalar compares and branches.
#if defined(__PYGPU_SIM__) && defined(__GNUC__)
#pragma GCC unroll 1
#endif
    for (int k = 0; k < 8; ++k)
      acc[k] = REDUCE(acc[k], value(first + k));
  }
  for (; first < last; ++first)
    acc[0] = REDUCE(acc[0], value(first));
  for (int k = 1; k < 8; ++k)
    acc[0] = REDUCE(acc[0], acc[k]);
  return acc[0];
}

extern "C" __global__ void ${name}_partial1(out_type *out, ${arguments}, size_t pygpu_per_thread, size_t n)
{
  const size_t pygpu_thread = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t pygpu_first = pygpu_thread * pygpu_per_thread;
  if (pygpu_first < n || pygpu_thread == 0)  // thread 0 writes the neutral element of no elements
    out[pygpu_thread] = ${name}_run([&](size_t i) { return (${map_expr}); }, pygpu_first,
                                 n - pygpu_first < pygpu_per_thread ? n : pygpu_first + pygpu_per_thread);
}

extern "C" __global__ void ${name}_partial2(out_type *out, const out_type *pycuda_reduction_inp, ${arguments},
                                            size_t pygpu_per_thread, size_t n)
{
  const size_t pygpu_thread = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  const size_t pygpu_first = pygpu_thread * pygpu_per_thread;
  if (pygpu_first < n || pygpu_thread == 0)  // thread 0 writes the neutral element of no elements
    out[pygpu_thread] = ${name}_run([&](size_t i) { return pycuda_reduction_inp[i]; }, pygpu_first,
                                 n - pygpu_first < pygpu_per_thread ? n : pygpu_first + pygpu_per_thread);
}

#undef out_type
#undef REDUCE
#undef BLOCK_SIZE
