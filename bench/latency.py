"""Case 3, small-operation latency (µs) on the simulated device, against
the nearest numpy operation on the same 4 KiB float32 array.

Creation figures include the release of the object made by the previous
iteration (a GPUArray dropped in a loop frees its device memory), as numpy's
do.
"""

from __future__ import annotations

from ._figures import figure, scaled
from ._timing import Subject, compare

CASES = (
    # name, PyGPU statement, reference name, numpy statement
    ("to_gpu(x) 4 KiB", "g.to_gpu(x)", "numpy x.copy()", "x.copy()"),
    ("a.get() 4 KiB", "a.get()", "numpy x.copy()", "x.copy()"),
    ("to_gpu(x).get() round trip 4 KiB", "g.to_gpu(x).get()", "numpy x.copy().copy()", "x.copy().copy()"),
    ("GPUArray((1024,), float32)", "g.GPUArray((1024,), f32)", "numpy.empty(1024, float32)", "np.empty(1024, f32)"),
    ("view a[1:-1]", "a[1:-1]", "numpy x[1:-1]", "x[1:-1]"),
    ("DeviceArray_float32(x) + allocate + to_device", "d = g.DeviceArray_float32(x); d.allocate(); d.to_device()",
     "numpy x.copy()", "x.copy()"),
)


def run(profile: dict, only: list[str] = ()) -> list[dict]:
    import numpy as np

    import PyGPU as g

    if g.backend != "sim":
        return [{"case": "latency", "name": "all", "backend": g.backend, "unit": "µs",
                 "skipped": "latency is measured on the simulated device only (no GPU on this machine)",
                 "references": {}, "ratios": {}, "missing": {}, "note": ""}]
    x = np.arange(1024, dtype=np.float32)  # 4 KiB
    ns = {"g": g, "np": np, "x": x, "a": g.to_gpu(x), "f32": np.float32}
    out = []
    for name, stmt, ref, ref_stmt in CASES:
        if only and name not in only:
            continue
        subjects = [Subject("subject", stmt, ns, between=g.cudaDeviceSynchronize), Subject(ref, ref_stmt, ns)]
        samples = compare(subjects, profile["repeats"], profile["sample_s"])
        out.append(figure("latency", name, "sim", "µs", scaled(samples["subject"], 1e6),
                          {ref: scaled(samples[ref], 1e6)}, note=stmt))
    return out
