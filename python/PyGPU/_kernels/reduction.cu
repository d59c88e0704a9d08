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

#undef out_type
#undef REDUCE
#undef BLOCK_SIZE
