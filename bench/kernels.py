"""Case 6, kernels on the simulated device (issue 16): the user's own CUDA
kernels (``bench/kernels/*.cu``) built by PyGPU's compiler driver, loaded
with ctypes after ``import PyGPU`` and launched on PyGPU's arrays and
streams, each sample a launch and its completion (``cudaStreamSynchronize``).

- vector add of 2^24 float32, one thread per element (a loop kernel), against
  numpy's ``np.add(a, b, out=c)`` on the same arrays;
- block reduction through shared memory and ``__syncthreads`` and
  warp-shuffle reduction (fiber kernels), in elements/s;
- tiled 512x512 float32 matrix multiply through shared memory, s, against
  numpy's ``a @ b`` (BLAS);
- an empty kernel (one block of one thread) launched from Python through
  ctypes, to completion, against a ctypes call of an empty C function;
- compiling the one-kernel ``vadd.cu`` with ``PyGPU.sim.compile``: cold (a
  source the cache has not seen) against the bare C++ compiler building a
  plain C++ file of the same size, and from the disk cache.

numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``; ``pip install numba
numba-cuda``, the ``bench`` extra) is a further reference where installed:
it runs Python kernels with one OS thread per CUDA thread, about 3x10^3
elements/s here, so it is measured on small sizes (named in the reference)
and not on the matrix multiply (hours). It runs in a process of its own
(``bench/_numba_sim.py``): numba-cuda loads the real CUDA runtime into the
process's global scope, and the CUDA calls of a library loaded after that
would bind to it instead of to the simulated device.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ._figures import figure, scaled
from ._timing import Subject, compare, timed_loop

KERNELS = Path(__file__).resolve().parent / "kernels"
VADD_N = 1 << 24
REDUCE_N = 1 << 22
MATMUL_N = 512


def _cases(only: list[str]) -> list[str]:
    names = ["vector add 2^24 float32", "block reduction (shared memory, __syncthreads)",
             "warp-shuffle reduction (__shfl_down_sync)", "tiled matmul 512x512 float32",
             "empty kernel launch to completion (ctypes)", "compile one-kernel .cu cold",
             "compile one-kernel .cu cached"]
    return [n for n in names if not only or n in only]


def _load(name: str) -> ctypes.CDLL:
    """bench/kernels/<name>.cu built for the simulated device (-O3), loaded after PyGPU."""
    import PyGPU.sim

    return PyGPU.sim.load_library(PyGPU.sim.compile(files=[str(KERNELS / f"{name}.cu")], options=["-O3"]))


def _declare(fn, *argtypes) -> None:
    fn.argtypes = list(argtypes)
    fn.restype = ctypes.c_int


class _Launch:
    """A launch of `fn(*args, stream)` followed by the stream's synchronisation: one operation."""

    def __init__(self, g, fn, args: tuple, stream) -> None:
        self.g, self.fn, self.args, self.stream = g, fn, args, stream
        self.handle = int(stream)

    def __call__(self) -> None:
        rc = self.fn(*self.args, self.handle)
        if rc:
            raise RuntimeError(f"launch failed: {self.g.cudaGetErrorName(rc)}")
        self.g.cudaStreamSynchronize(self.stream).check()


def _numba_references(repeats: int) -> tuple[dict[str, list[float]], str | None]:
    """numba's CUDA simulator, measured in a process of its own: ({figure: samples}, None) or ({}, why)."""
    proc = subprocess.run([sys.executable, "-m", "bench._numba_sim", str(repeats)], capture_output=True, text=True,
                          cwd=str(Path(__file__).resolve().parent.parent), check=False,
                          env={**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}, timeout=600)
    if proc.returncode != 0:
        return {}, f"numba's CUDA simulator failed: {proc.stderr.strip()[-500:]}"
    result = json.loads(proc.stdout)
    return result.get("samples", {}), result.get("missing")


def _compile_reference(seconds: int) -> list[float]:
    """The bare C++ compiler on a plain C++ file like vadd.cu (its floor), seconds per build."""
    cxx = os.environ.get("CXX") or shutil.which("c++") or "c++"
    source = ("extern \"C\" void vadd(const float* a, const float* b, float* c, int n) {\n"
              "    for (int i = 0; i < n; ++i) c[i] = a[i] + b[i];\n}\n")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "vadd.cpp"
        src.write_text(source)
        for _ in range(seconds):
            t0 = time.perf_counter()
            subprocess.run([cxx, "-O3", "-shared", "-fPIC", "-o", str(Path(tmp) / "libvadd.so"), str(src)], check=True)
            out.append(time.perf_counter() - t0)
    return out


def run(profile: dict, only: list[str] = ()) -> list[dict]:
    import numpy as np

    import PyGPU as g

    if g.backend != "sim":
        return [{"case": "kernels", "name": "all", "backend": g.backend, "unit": "-",
                 "skipped": "kernels are measured on the simulated device only", "references": {}, "ratios": {},
                 "missing": {}, "note": ""}]
    wanted = _cases(only)
    repeats = max(3, profile["repeats"] // 3)
    numba, numba_missing = _numba_references(3)
    stream = g.cudaStream_t()
    fp, i32 = ctypes.c_void_p, ctypes.c_int
    out = []

    def per_op(subject: _Launch, reference, k: int = 1) -> tuple[list[float], list[float] | None]:
        subjects = [Subject("subject", op=timed_loop(subject))]
        if reference is not None:
            subjects.append(Subject("reference", op=timed_loop(reference)))
        samples = compare(subjects, repeats, profile["sample_s"], k=k)
        return samples["subject"], samples.get("reference")

    def numba_refs(name: str) -> tuple[dict, dict]:
        found = {ref: v for ref, v in numba.items() if ref.startswith(name + " ")}
        if not found:
            return {}, {"numba CUDA simulator": numba_missing or "not measured"}
        return {"numba CUDA simulator" + ref[len(name):]: v for ref, v in found.items()}, {}

    if "vector add 2^24 float32" in wanted:
        lib = _load("vadd")
        _declare(lib.vadd_launch, fp, fp, fp, i32, fp)
        a, b = np.random.default_rng(0).random((2, VADD_N), dtype=np.float32)
        c = np.empty_like(a)
        a_gpu, b_gpu, c_gpu = g.to_gpu(a), g.to_gpu(b), g.empty(VADD_N, np.float32)
        launch = _Launch(g, lib.vadd_launch, (a_gpu.ptr, b_gpu.ptr, c_gpu.ptr, VADD_N), stream)
        seconds, ref = per_op(launch, lambda: np.add(a, b, out=c))
        np.testing.assert_array_equal(c_gpu.get(), a + b)
        refs, missing = numba_refs("vadd")
        refs = {"numpy np.add(a, b, out=c)": [VADD_N / s for s in ref], **refs}
        out.append(figure("kernels", "vector add 2^24 float32", "sim", "elem/s", [VADD_N / s for s in seconds],
                          refs, missing, higher_is_better=True,
                          note="one launch of 65536 blocks x 256 threads + cudaStreamSynchronize per sample"))

    for name, title, n_partials in (
            ("block_reduce", "block reduction (shared memory, __syncthreads)", lambda n: (n + 2047) // 2048),
            ("warp_reduce", "warp-shuffle reduction (__shfl_down_sync)", lambda n: (n + 2047) // 2048 * 8)):
        if title not in wanted:
            continue
        lib = _load(name)
        _declare(getattr(lib, f"{name}_launch"), fp, fp, i32, fp)
        x = np.random.default_rng(1).random(REDUCE_N, dtype=np.float32)
        x_gpu, partial = g.to_gpu(x), g.zeros(n_partials(REDUCE_N), np.float32)
        launch = _Launch(g, getattr(lib, f"{name}_launch"), (x_gpu.ptr, partial.ptr, REDUCE_N), stream)
        seconds, _ = per_op(launch, None)
        total = float(partial.get().astype(np.float64).sum())
        expected = float(x.astype(np.float64).sum())
        if abs(total - expected) > 1e-4 * expected:
            raise RuntimeError(f"{name}: sum {total} != numpy's {expected}")
        refs, missing = numba_refs("block_reduce") if name == "block_reduce" else (
            {}, {"numba CUDA simulator": "not measured: its warp shuffles run one OS thread per lane"})
        out.append(figure("kernels", title, "sim", "elem/s", [REDUCE_N / s for s in seconds], refs, missing,
                          higher_is_better=True, note=f"{REDUCE_N} float32, 256 threads x 8 elements per block"))

    if "tiled matmul 512x512 float32" in wanted:
        lib = _load("matmul")
        _declare(lib.matmul_launch, fp, fp, fp, i32, fp)
        rng = np.random.default_rng(2)
        a, b = rng.random((2, MATMUL_N, MATMUL_N), dtype=np.float32)
        a_gpu, b_gpu, c_gpu = g.to_gpu(a), g.to_gpu(b), g.empty((MATMUL_N, MATMUL_N), np.float32)
        launch = _Launch(g, lib.matmul_launch, (a_gpu.ptr, b_gpu.ptr, c_gpu.ptr, MATMUL_N), stream)
        seconds, ref = per_op(launch, lambda: a @ b)
        np.testing.assert_allclose(c_gpu.get(), a @ b, rtol=1e-4)
        out.append(figure("kernels", "tiled matmul 512x512 float32", "sim", "s", seconds, {"numpy a @ b": ref},
                          {"numba CUDA simulator": "not measured: 262144 OS threads, hours at its speed"},
                          note="TILE 32: 256 blocks of 1024 threads, 32 __syncthreads per block"))

    if "empty kernel launch to completion (ctypes)" in wanted:
        lib = _load("empty")
        _declare(lib.empty_launch, fp)
        _declare(lib.noop, fp)
        launch = _Launch(g, lib.empty_launch, (), stream)
        subjects = [Subject("subject", op=timed_loop(launch)),
                    Subject("ctypes noop()", op=timed_loop(lambda: lib.noop(None)))]
        samples = compare(subjects, profile["repeats"], profile["sample_s"])
        refs = {"ctypes call of an empty C function": scaled(samples["ctypes noop()"], 1e6)}
        more, missing = numba_refs("empty")
        refs.update(more)
        out.append(figure("kernels", "empty kernel launch to completion (ctypes)", "sim", "µs",
                          scaled(samples["subject"], 1e6), refs, missing,
                          note="empty<<<1, 1, 0, stream>>>() + cudaGetLastError() through ctypes, "
                               "then cudaStreamSynchronize"))

    out += _compile_figures(wanted, repeats)
    return out


def _compile_figures(wanted: list[str], repeats: int) -> list[dict]:
    """PyGPU.sim.compile of vadd.cu: cold (a source the cache has not seen) and cached."""
    import PyGPU.sim

    out = []
    source = (KERNELS / "vadd.cu").read_text()
    with tempfile.TemporaryDirectory() as cache:
        saved = os.environ.get("PYGPU_CACHE_DIR")
        os.environ["PYGPU_CACHE_DIR"] = cache  # an empty cache of its own, not the user's
        try:
            if "compile one-kernel .cu cold" in wanted:
                cold = []
                for i in range(repeats):
                    t0 = time.perf_counter()
                    PyGPU.sim.compile(f"{source}\n// sample {i} {time.time_ns()}\n")  # unseen: a cold compile
                    cold.append(time.perf_counter() - t0)
                out.append(figure("kernels", "compile one-kernel .cu cold", "sim", "s", cold,
                                  {"c++ -O3 -shared of a plain C++ file": _compile_reference(repeats)},
                                  note="PyGPU.sim.compile(source) of bench/kernels/vadd.cu, a new source each time"))
            if "compile one-kernel .cu cached" in wanted:
                PyGPU.sim.compile(source)
                cached = []
                for _ in range(repeats * 10):
                    t0 = time.perf_counter()
                    PyGPU.sim.compile(source)
                    cached.append(time.perf_counter() - t0)
                out.append(figure("kernels", "compile one-kernel .cu cached", "sim", "ms", scaled(cached, 1e3),
                                  note="PyGPU.sim.compile(source) again: from the disk cache"))
        finally:
            if saved is None:
                os.environ.pop("PYGPU_CACHE_DIR", None)
            else:
                os.environ["PYGPU_CACHE_DIR"] = saved
    return out
