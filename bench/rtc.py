"""Runtime compile times: the same kernel source through NVRTC (CUDA), hiprtc (HIP) and the simulated
device's driver, cold (an empty compile cache each time) and from the disk cache.

Usage (from the repository root, after ``pip install .``)::

    python -m bench.rtc                    # 3 repeats of each, median/min/max
    python -m bench.rtc --repeats 5 --json rtc.json

A compiler that is not installed is reported as missing (``pip install PyGPU[nvrtc]``; hiprtc comes with
libamdhip64). The simulated device's cold compile runs the system C++ compiler and links a library, so it
is expected to cost a multiple of NVRTC's; the cached figures are a file read plus a key's hashing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from typing import Callable

from ._timing import scratch_cache, stats

SOURCE = r"""
template <typename T, int BLOCK>
__global__ void reduce(const T* in, T* out, int n) {
    __shared__ T part[BLOCK];
    int i = blockIdx.x * BLOCK + threadIdx.x;
    part[threadIdx.x] = i < n ? in[i] : T(0);
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s /= 2) {
        if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = part[0];
}
extern "C" __global__ void saxpy(float a, const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
"""
NAMES = ["reduce<float, 256>"]
TARGETS = {"cuda": "sm_80", "hip": "gfx90a", "sim": None}


def _time(op: Callable[[], object], repeats: int, before: Callable[[], None]) -> list[float]:
    samples = []
    for _ in range(repeats):
        before()
        t0 = time.perf_counter()
        op()
        samples.append(time.perf_counter() - t0)
    return samples


def measure(repeats: int = 3) -> dict[str, dict]:
    """{backend: {"cold": stats, "cached": stats} or {"missing": why}} in seconds."""
    from PyGPU import CompileError
    from PyGPU._compile import compile_for

    out: dict[str, dict] = {}
    with scratch_cache("pygpu-bench-rtc-") as root:
        for backend, arch in TARGETS.items():
            def op(backend: str = backend, arch: str | None = arch) -> object:
                return compile_for(backend, SOURCE, arch=arch, name_expressions=NAMES)

            def empty() -> None:
                shutil.rmtree(root, ignore_errors=True)

            try:
                op()  # loads the library, and fails early when it is missing
            except CompileError as e:
                out[backend] = {"missing": str(e).splitlines()[0]}
                continue
            cold = _time(op, repeats, empty)
            cached = _time(op, max(repeats, 10), lambda: None)
            out[backend] = {"cold": stats(cold), "cached": stats(cached)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.rtc", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    result = measure(args.repeats)
    sim_cold = result.get("sim", {}).get("cold", {}).get("median")
    print(f"{'compiler':<10} {'cold median (min-max)':>28} {'cached median':>14}  vs sim cold")
    for backend, r in result.items():
        if "missing" in r:
            print(f"{backend:<10} missing: {r['missing']}")
            continue
        c, h = r["cold"], r["cached"]
        ratio = f"{c['median'] / sim_cold:.2f}x" if sim_cold else "-"
        print(f"{backend:<10} {c['median'] * 1e3:10.1f} ms ({c['min'] * 1e3:.1f}-{c['max'] * 1e3:.1f}) "
              f"{h['median'] * 1e3:11.2f} ms  {ratio}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
