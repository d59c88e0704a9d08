"""Case 2, transfer bandwidth (GB/s, 10^9 bytes per second) on the simulated
device, against ``numpy.copyto`` between host buffers of the same kind
(pageable for pageable, pinned for pinned, pageable for device-to-device:
the simulated device's memory is host memory, so a host copy is its
physical limit).

Every buffer is pre-faulted (written once) before timing, so first-touch
page faults are not counted, except where the operation itself allocates:
``to_gpu`` allocates device memory and ``get()`` a host array on every call,
and their second reference, numpy's allocating ``copy()``, pays the same.
A sample is k copies then one synchronisation (``cudaDeviceSynchronize`` for
the synchronous calls, the stream's for the async ones), timed together, as
CUDA's bandwidthTest does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._figures import bandwidth, figure, size_label
from ._timing import Subject, compare, timed_loop


def run(profile: dict[str, Any], only: Sequence[str] = ()) -> list[dict[str, Any]]:
    import PyGPU as g

    if g.backend != "sim":
        return [{"case": "bandwidth", "name": "all", "backend": g.backend, "unit": "GB/s",
                 "skipped": "bandwidth is measured on the simulated device only (no GPU on this machine)",
                 "references": {}, "ratios": {}, "missing": {}, "note": ""}]
    out: list[dict[str, Any]] = []
    stream = g.cudaStream_t()
    for n in profile["sizes"]:
        out += _one_size(n, profile, only, stream)
    return out


def _one_size(n: int, profile: dict[str, Any], only: Sequence[str], stream: Any) -> list[dict[str, Any]]:
    """Every variant for buffers of `n` bytes; the buffers go when this returns."""
    import numpy as np

    import PyGPU as g

    H2D, D2H, D2D = g.cudaMemcpyHostToDevice, g.cudaMemcpyDeviceToHost, g.cudaMemcpyDeviceToDevice
    repeats, sample_s = profile["bw_repeats"], profile["bw_sample_s"]
    hsrc = np.empty(n, np.uint8)
    hsrc.fill(1)
    hdst = np.empty(n, np.uint8)
    hdst.fill(2)
    pin_src = g.PagelockedAllocator_uint8(n)
    pin_dst = g.PagelockedAllocator_uint8(n)
    psrc, pdst = np.asarray(pin_src), np.asarray(pin_dst)
    psrc.fill(1)
    pdst.fill(2)
    d1, err = g.cudaMalloc(n)
    err.check()
    d2, err = g.cudaMalloc(n)
    err.check()
    for d in (d1, d2):
        g.cudaMemset(d, 0, n).check()
    g.cudaDeviceSynchronize().check()
    garr = g.to_gpu(hsrc)

    def sync() -> None:
        g.cudaDeviceSynchronize()

    def ssync() -> None:
        stream.synchronize()

    def ref_pageable() -> None:
        np.copyto(hdst, hsrc)

    def ref_pinned() -> None:
        np.copyto(pdst, psrc)

    def ref_alloc() -> None:
        hsrc.copy()

    def copy(dst: Any, src: Any, kind: int) -> Any:
        return lambda: g.cudaMemcpy(dst, src, n, kind)

    def copy_async(dst: Any, src: Any, kind: int) -> Any:
        return lambda: g.cudaMemcpyAsync(dst, src, n, kind, stream)

    variants = []
    for direction, kind in (("H2D", H2D), ("D2H", D2H), ("D2D", D2D)):
        for memory in (("device",) if direction == "D2D" else ("pageable", "pinned")):
            host_src = hsrc if memory == "pageable" else psrc
            host_dst = hdst if memory == "pageable" else pdst
            dst, src = {"H2D": (d1, host_src), "D2H": (host_dst, d1), "D2D": (d2, d1)}[direction]
            ref = ref_pinned if memory == "pinned" else ref_pageable
            ref_label = "numpy.copyto pinned" if memory == "pinned" else "numpy.copyto"
            label = f"{direction} {memory}" if memory != "device" else direction
            variants.append((f"cudaMemcpy {label}", timed_loop(copy(dst, src, kind), sync), {ref_label: ref}, "sync"))
            variants.append((f"cudaMemcpyAsync {label}", timed_loop(copy_async(dst, src, kind), ssync),
                             {ref_label: ref}, "async"))
    variants.append(("to_gpu(x)", timed_loop(lambda: g.to_gpu(hsrc), sync),
                     {"numpy.copyto": ref_pageable, "numpy copy()": ref_alloc},
                     "allocates device memory and frees it on every call"))
    variants.append(("GPUArray.get()", timed_loop(garr.get, sync),
                     {"numpy.copyto": ref_pageable, "numpy copy()": ref_alloc},
                     "allocates a host array on every call"))
    variants.append(("GPUArray.set(x)", timed_loop(lambda: garr.set(hsrc), sync),
                     {"numpy.copyto": ref_pageable}, "into an existing array"))
    variants.append(("GPUArray.get(ary=out)", timed_loop(lambda: garr.get(ary=hdst), sync),
                     {"numpy.copyto": ref_pageable}, "into a pre-faulted host array"))
    out = []
    for name, op, refs, note in variants:
        if only and name not in only and f"{name} {size_label(n)}" not in only:
            continue
        subjects = [Subject("subject", op=op)]
        subjects += [Subject(ref, op=timed_loop(fn)) for ref, fn in refs.items()]
        k = 1 if n >= (64 << 20) else None
        samples = compare(subjects, repeats, sample_s, k=k)
        out.append(figure("bandwidth", f"{name} {size_label(n)}", "sim", "GB/s", bandwidth(samples["subject"], n),
                          {ref: bandwidth(samples[ref], n) for ref in refs}, higher_is_better=True, note=note,
                          nbytes=n, op=name))
    g.cudaFree(d1).check()
    g.cudaFree(d2).check()
    return out
