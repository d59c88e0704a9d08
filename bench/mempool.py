"""Case mempool: stream-ordered allocation on the simulated device (issue 19).

``cudaMallocAsync`` + ``cudaFreeAsync`` of 4 KiB on one created stream,
measured two ways: from C (``bench/kernels/alloc_pairs.cu``, a loop of
pairs in one ctypes call, so the figure is the runtime's own cost) and from
Python through the bindings (one pair per loop turn), each against
``cudaMalloc`` + ``cudaFree`` of the same size called the same way.
"""

from __future__ import annotations

import ctypes

from ._figures import figure, scaled
from ._timing import Subject, compare, timed_loop
from .kernels import _load

NBYTES = 4096
PAIRS_PER_CALL = 1000  # C: pairs per ctypes call, so the call's own cost is spread over them
FIGURES = ("cudaMallocAsync + cudaFreeAsync 4 KiB (C)", "cudaMallocAsync + cudaFreeAsync 4 KiB (Python)")


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
    g.cudaStreamSynchronize(stream)
    return out
