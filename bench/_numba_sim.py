"""numba's CUDA simulator, the kernels case's reference, in a process of its
own: ``NUMBA_ENABLE_CUDASIM=1 python -m bench._numba_sim REPEATS``. Started by
bench/kernels.py; prints JSON ``{"samples": {reference: [...]}, "missing": why}``.

The same kernels as ``bench/kernels/*.cu`` in numba's Python kernel language,
on sizes its one-OS-thread-per-CUDA-thread simulator finishes in about a
second (each reference names its size): elements/s for the vector add and
the block reduction, µs for an empty launch to completion.
"""

from __future__ import annotations

import json
import os
import sys
import time

try:  # at module level: the simulator swaps the kernels' global `cuda` for its own
    import numpy as np
    from numba import cuda
except ImportError as exc:
    cuda = None
    MISSING = f"numba's CUDA simulator is not installed (pip install numba numba-cuda): {exc}"

VADD_N = 1 << 10
REDUCE_N = 1 << 11


def _kernels() -> dict:
    @cuda.jit
    def vadd(a, b, c):
        i = cuda.grid(1)
        if i < c.size:
            c[i] = a[i] + b[i]

    @cuda.jit
    def block_reduce(x, partial):
        sums = cuda.shared.array(256, dtype=x.dtype)
        tid = cuda.threadIdx.x
        s = 0.0
        i = cuda.blockIdx.x * 256 + tid
        while i < x.size:
            s += x[i]
            i += cuda.gridDim.x * 256
        sums[tid] = s
        cuda.syncthreads()
        step = 128
        while step > 0:
            if tid < step:
                sums[tid] += sums[tid + step]
            cuda.syncthreads()
            step //= 2
        if tid == 0:
            partial[cuda.blockIdx.x] = sums[0]

    @cuda.jit
    def empty():
        pass

    return {"vadd": vadd, "block_reduce": block_reduce, "empty": empty}


def _timed(call) -> float:
    t0 = time.perf_counter()
    call()
    cuda.synchronize()
    return time.perf_counter() - t0


def main(repeats: int) -> dict:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        return {"samples": {}, "missing": "NUMBA_ENABLE_CUDASIM=1 was not set"}
    if cuda is None:
        return {"samples": {}, "missing": MISSING}
    k = _kernels()
    x = np.ones(max(VADD_N, REDUCE_N), np.float32)
    c = np.empty(VADD_N, np.float32)
    partial = np.zeros(REDUCE_N // 2048 or 1, np.float32)
    k["empty"][1, 1]()  # compile and warm up
    samples: dict[str, list[float]] = {f"vadd (n={VADD_N})": [], f"block_reduce (n={REDUCE_N})": [],
                                       "empty (one block of one thread)": []}
    for _ in range(repeats):
        seconds = _timed(lambda: k["vadd"][VADD_N // 256, 256](x[:VADD_N], x[:VADD_N], c))
        samples[f"vadd (n={VADD_N})"].append(VADD_N / seconds)
        seconds = _timed(lambda: k["block_reduce"][partial.size, 256](x[:REDUCE_N], partial))
        samples[f"block_reduce (n={REDUCE_N})"].append(REDUCE_N / seconds)
        samples["empty (one block of one thread)"].append(_timed(k["empty"][1, 1]) * 1e6)
    if not np.array_equal(c, 2 * x[:VADD_N]) or float(partial.sum()) != REDUCE_N:
        return {"samples": {}, "missing": "numba's CUDA simulator gave wrong results"}
    return {"samples": samples, "missing": None}


if __name__ == "__main__":
    json.dump(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3), sys.stdout)
