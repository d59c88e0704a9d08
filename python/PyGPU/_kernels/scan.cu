// PyGPU.scan: PyCUDA's two-level scan (InclusiveScanKernel, ExclusiveScanKernel). A string.Template
// (PyGPU.scan.scan_source) of scan_wg_size, scan_seq, update_wg_size, scan_type, scan_expr, neutral, exclusive,
// name_prefix and preamble.
//
// 1. scan_intervals: block g scans the interval [g*interval_size, min((g+1)*interval_size, n)) inclusively, a
//    chunk of SCAN_WG_SIZE * SCAN_SEQ elements at a time (each thread scans SCAN_SEQ consecutive elements,
//    a Hillis-Steele scan in shared memory combines the threads' totals, then the carry of the chunks before),
//    and writes the interval's total to group_results[g]. Run once more with one block over
//    group_results, it turns them into the totals of all intervals up to each.
// 2. final_update: block g combines the total of the intervals before it with each of its elements; the
//    exclusive variant also shifts the elements right by one, the first taking the neutral element.
// SCAN_EXPR(a, b) keeps its operands in order (a comes first), so it needs to be associative only. Input and
// output may be the same array: a chunk is read before it is written.
//
// scan_type is a macro, and every macro is undefined at the end: sources of kernels of different name
// prefixes can follow one another in one translation unit (the NVRTC and hiprtc checks compile them so).

#include <pycuda-complex.hpp>

#define SCAN_WG_SIZE ${scan_wg_size}
#define SCAN_SEQ ${scan_seq}
#define UPDATE_WG_SIZE ${update_wg_size}
#define SCAN_EXPR(a, b) (${scan_expr})

${preamble}

#define scan_type ${scan_type}

extern "C" __global__ void ${name_prefix}_scan_intervals(const scan_type *input, size_t n, size_t interval_size,
                                                         scan_type *output, scan_type *group_results)
{
  __shared__ scan_type buf[SCAN_WG_SIZE];
  const unsigned int tid = threadIdx.x;
  const size_t begin = interval_size * blockIdx.x;
  const size_t end = begin + interval_size < n ? begin + interval_size : n;
  scan_type carry;  // the total of the chunks before, once have_carry
  bool have_carry = false;
  for (size_t base = begin; base < end; base += SCAN_WG_SIZE * SCAN_SEQ)
  {
    // this thread's SCAN_SEQ elements, scanned one after another
    const size_t first = base + (size_t)tid * SCAN_SEQ;
    scan_type vals[SCAN_SEQ];
    unsigned int count = 0;
    for (; count < SCAN_SEQ && first + count < end; ++count)
    {
      const scan_type x = input[first + count];
      vals[count] = count == 0 ? x : SCAN_EXPR(vals[count - 1], x);
    }
    // the threads' totals, scanned across the block (Hillis-Steele); threads with elements come first
    if (count > 0)
      buf[tid] = vals[count - 1];
    __syncthreads();
    for (unsigned int offset = 1; offset < SCAN_WG_SIZE; offset *= 2)
    {
      const bool take = count > 0 && tid >= offset;
      scan_type before;
      if (take)
        before = buf[tid - offset];
      __syncthreads();
      if (take)
        buf[tid] = SCAN_EXPR(before, buf[tid]);
      __syncthreads();
    }
    if (count > 0)
    {
      const bool have_prefix = have_carry || tid > 0;
      scan_type prefix;
      if (tid > 0)
        prefix = have_carry ? SCAN_EXPR(carry, buf[tid - 1]) : buf[tid - 1];
      else if (have_carry)
        prefix = carry;
      for (unsigned int k = 0; k < count; ++k)
        output[first + k] = have_prefix ? SCAN_EXPR(prefix, vals[k]) : vals[k];
    }
    const size_t busy = (end - base + SCAN_SEQ - 1) / SCAN_SEQ;  // threads that had elements
    const scan_type chunk = buf[(busy < SCAN_WG_SIZE ? busy : SCAN_WG_SIZE) - 1];
    carry = have_carry ? SCAN_EXPR(carry, chunk) : chunk;
    have_carry = true;
    __syncthreads();
  }
  if (tid == 0 && have_carry)
    group_results[blockIdx.x] = carry;
}

extern "C" __global__ void ${name_prefix}_final_update(scan_type *output, size_t n, size_t interval_size,
                                                       const scan_type *group_results)
{
  const unsigned int tid = threadIdx.x;
  const size_t begin = interval_size * blockIdx.x;
  const size_t end = begin + interval_size < n ? begin + interval_size : n;
#if ${exclusive}
  __shared__ scan_type buf[UPDATE_WG_SIZE];
  scan_type carry = ${neutral};
  if (blockIdx.x > 0)
    carry = SCAN_EXPR(carry, group_results[blockIdx.x - 1]);
  scan_type shifted = carry;  // lane 0's value: the carry, then the last value of the chunk before
  for (size_t base = begin; base < end; base += UPDATE_WG_SIZE)
  {
    const size_t i = base + tid;
    if (i < end)
      buf[tid] = SCAN_EXPR(carry, output[i]);
    __syncthreads();
    if (tid > 0)
      shifted = buf[tid - 1];
    if (i < end)
      output[i] = shifted;
    if (tid == 0)
      shifted = buf[UPDATE_WG_SIZE - 1];
    __syncthreads();
  }
#else
  if (blockIdx.x == 0)
    return;
  const scan_type prefix = group_results[blockIdx.x - 1];
  for (size_t i = begin + tid; i < end; i += UPDATE_WG_SIZE)
    output[i] = SCAN_EXPR(prefix, output[i]);
#endif
}

#undef scan_type
#undef SCAN_EXPR
#undef UPDATE_WG_SIZE
#undef SCAN_SEQ
#undef SCAN_WG_SIZE
