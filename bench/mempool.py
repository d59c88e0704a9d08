"""Case mempool: the simulated device's own cost of the calls of a small round trip (issue 19).

``cudaMallocAsync`` + ``cudaFreeAsync`` of 4 KiB on one created stream,
measured two ways: from C (``bench/kernels/alloc_pairs.cu``, a loop of
pairs in one ctypes call, so the figure is the runtime's own cost) and from
Python through the bindings (one pair per loop turn), each against
``cudaMalloc`` + ``cudaFree`` of the same size called the same way.

The two synchronous copies of ``to_gpu(x).get()``, ``cudaMemcpy`` of 4 KiB
host to device and device to host between device memory and a pageable numpy
array on the legacy default stream with nothing queued, from C the same way
(``bench/kernels/copy_loops.cu``).
"""

from __future__ import annotations

import ctypes

from ._figures import figure, scaled
from ._timing import Subject, compare, timed_loop
from .kernels import _load

NBYTES = 4096
PAIRS_PER_CALL = 1000  # C: pairs per ctypes call, so the call's own cost is spread over them
COPIES_PER_CALL = 1000  # C: copies per ctypes call, likewise
FIGURES = ("cudaMallocAsync + cudaFreeAsync 4 KiB (C)", "cudaMallocAsync + cudaFreeAsync 4 KiB (Python)",
           "cudaMemcpy HtoD 4 KiB pageable (C)", "cudaMemcpy DtoH 4 KiB pageable (C)")


def run(profile: dict, only: list[str] = ()) -> list[dict]:
    import PyGPU as g

    if g.backend != "sim":
        return []
    wanted = [f for f in FIGURES if not only or f in only]
    stream = g.cudaStream_t()
    out: list[dict] = []
    if FIGURES[0] in wanted:
        lib = _load("alloc_pairs")
        for fn in (lib.alloc_free_pairs, lib.noop_pairs):
            fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
            fn.restype = ctypes.c_int
        handle = int(stream)
        assert lib.alloc_free_pairs(handle, 1, NBYTES) == 0
        subjects = [Subject("pairs", op=timed_loop(lambda: lib.alloc_free_pairs(handle, PAIRS_PER_CALL, NBYTES))),
                    Subject("noop", op=timed_loop(lambda: lib.noop_pairs(handle, PAIRS_PER_CALL, NBYTES)))]
        samples = compare(subjects, profile["repeats"], profile["sample_s"])
        per_pair = 1e6 / PAIRS_PER_CALL
        out.append(figure("mempool", FIGURES[0], "sim", "µs", scaled(samples["pairs"], per_pair),
                          {"the ctypes call, spread over its pairs": scaled(samples["noop"], per_pair)},
                          note=f"{PAIRS_PER_CALL} pairs on a created stream per ctypes call"))
    if FIGURES[1] in wanted:
        ns = {"g": g, "s": stream, "n": NBYTES}
        subjects = [Subject("async", "g.cudaFreeAsync(g.cudaMallocAsync(n, s)[0], s)", ns),
                    Subject("sync", "g.cudaFree(g.cudaMalloc(n)[0])", ns)]
        samples = compare(subjects, profile["repeats"], profile["sample_s"])
        out.append(figure("mempool", FIGURES[1], "sim", "µs", scaled(samples["async"], 1e6),
                          {"cudaMalloc + cudaFree": scaled(samples["sync"], 1e6)},
                          note="through PyGPU's bindings, pointer objects included"))
    copies = [f for f in FIGURES[2:] if f in wanted]
    if copies:
        out.extend(_copy_figures(g, profile, copies))
    g.cudaStreamSynchronize(stream)
    return out


def _copy_figures(g, profile: dict, names: list[str]) -> list[dict]:
    """cudaMemcpy of NBYTES from C, between a GPUArray and a pageable numpy array (what to_gpu and get copy)."""
    import numpy as np

    lib = _load("copy_loops")
    for fn in (lib.memcpy_loop, lib.noop_copies):
        fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int]
        fn.restype = ctypes.c_int
    host = np.arange(NBYTES, dtype=np.uint8)
    back = np.empty_like(host)  # malloc'ed like get()'s result: 16-byte aligned, not 64
    dev = g.to_gpu(host)
    d, h, b = int(dev._address()), host.ctypes.data, back.ctypes.data
    args = {FIGURES[2]: (d, h, g.cudaMemcpyHostToDevice), FIGURES[3]: (b, d, g.cudaMemcpyDeviceToHost)}
    out = []
    for name in names:
        dst, src, kind = args[name]
        kind = int(kind)
        assert lib.memcpy_loop(dst, src, NBYTES, kind, 1) == 0
        call = (dst, src, NBYTES, kind, COPIES_PER_CALL)
        subjects = [Subject("copies", op=timed_loop(lambda call=call: lib.memcpy_loop(*call))),
                    Subject("noop", op=timed_loop(lambda call=call: lib.noop_copies(*call)))]
        samples = compare(subjects, profile["repeats"], profile["sample_s"])
        per_copy = 1e6 / COPIES_PER_CALL
        out.append(figure("mempool", name, "sim", "µs", scaled(samples["copies"], per_copy),
                          {"the ctypes call, spread over its copies": scaled(samples["noop"], per_copy)},
                          note=f"{COPIES_PER_CALL} copies on the idle legacy default stream per ctypes call"))
    if not (back == host).all():
        raise RuntimeError("cudaMemcpy from C: the device to host copy did not bring the bytes back")
    return out
