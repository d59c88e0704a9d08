"""PyCUDA's launch and compile paths on the simulated device: ``Function.prepared_async_call`` of a one-thread
kernel (the launch returned, not executed) and ``SourceModule`` of a small kernel from the disk cache (issue 17's
targets: at most 2 µs and at most 5 ms).

Each figure is interleaved with its references in the same run (bench/_timing.py): the low-level
``cudaLaunchKernel`` binding with the argument bytes prebuilt, the C++ fast path ``_core._launch_packed`` with the
buffer prebuilt (what the simulated device's enqueue costs, Python aside), and a Python no-op call. The stream is
held by a gate (a host function waiting on an event) while a sample runs, so the launches are queued and not
executed, and the worker does not compete for the CPU; the queue is drained between samples. ``SourceModule``
from the cache is compared with ``compile_for`` from the cache (the lookup alone) and ``module_from_file`` of
the cached library (the load alone).

Usage (from the repository root, after ``pip install .``)::

    PYGPU_BACKEND=sim python -m bench.modules             # 7 repeats
    PYGPU_BACKEND=sim python -m bench.modules --repeats 11 --json modules.json
"""

from __future__ import annotations

import argparse
import json
import struct
import threading
import time

from ._timing import Subject, compare, pair_ratio, scratch_cache, stats

KERNEL = "__global__ void one(int* p, int v) { if (threadIdx.x == 0) *p = v; }"
SMALL = "__global__ void small(float* x, float a, int n) { int i = threadIdx.x; if (i < n) x[i] *= a; }"
LAUNCH_LIMIT_US = 2.0
COMPILE_LIMIT_MS = 5.0


class _Gate:
    """Holds a stream: work queued behind it waits until :meth:`drain` opens it (and closes it again)."""

    def __init__(self, stream: object) -> None:
        import PyGPU

        self.stream = stream
        self._launch_host = PyGPU.cudaLaunchHostFunc
        self.event = threading.Event()
        self.close()

    def close(self) -> None:
        event = self.event = threading.Event()
        self._launch_host(self.stream, lambda _: event.wait(60), None).check()

    def drain(self) -> None:
        import PyGPU

        self.event.set()
        PyGPU.cudaStreamSynchronize(self.stream).check()
        self.close()


def _launch(repeats: int, sample_s: float) -> dict:
    import PyGPU
    import PyGPU.driver as cuda
    from PyGPU import _core
    from PyGPU.compiler import SourceModule

    f = SourceModule(KERNEL).get_function("one").prepare("Pi")
    stream = cuda.Stream()
    d = cuda.mem_alloc(4)
    address = int(d)
    buf = struct.pack("Pi", address, 1)
    pieces = [struct.pack("P", address), struct.pack("i", 1)]
    ns = {"f": f, "s": stream, "raw": stream._stream, "a": address, "d": d, "buf": buf, "pieces": pieces,
          "layout": f._layout, "h": f.handle, "packed": _core._launch_packed, "launch": PyGPU.cudaLaunchKernel,
          "noop": lambda *args: None}
    gate = _Gate(stream._stream)
    drain = gate.drain
    subjects = [
        Subject("prepared_async_call (int address)", "f.prepared_async_call((1, 1), (1, 1, 1), s, a, 1)", ns,
                between=drain),
        Subject("prepared_async_call (DeviceAllocation)", "f.prepared_async_call((1, 1), (1, 1, 1), s, d, 1)", ns,
                between=drain),
        Subject("cudaLaunchKernel (bytes prebuilt)", "launch(h, (1, 1), (1, 1, 1), pieces, 0, raw)", ns,
                between=drain),
        Subject("_launch_packed (buffer prebuilt)", "packed(h, (1, 1), (1, 1, 1), raw, 0, buf, layout)", ns,
                between=drain),
        Subject("Python no-op call", "noop((1, 1), (1, 1, 1), s, a, 1)", ns),
    ]
    try:
        samples = compare(subjects, repeats, sample_s)
    finally:
        gate.event.set()
        stream.synchronize()
    main = samples[subjects[0].name]
    out = {"value_us": stats([x * 1e6 for x in main]), "references_us": {}, "ratios": {}}
    for s in subjects[1:]:
        out["references_us"][s.name] = stats([x * 1e6 for x in samples[s.name]])
        out["ratios"][s.name] = pair_ratio(main, samples[s.name])[0]
    enqueue = stats(samples["_launch_packed (buffer prebuilt)"])["median"]
    out["python_side_us"] = (stats(main)["median"] - enqueue) * 1e6
    med = out["value_us"]["median"]
    out["target"] = {"text": f"<= {LAUNCH_LIMIT_US} µs", "value": med, "met": med <= LAUNCH_LIMIT_US}
    return out


def _compile(repeats: int) -> dict:
    import PyGPU.driver as cuda
    from PyGPU._compile import compile_for
    from PyGPU.compiler import SourceModule

    with scratch_cache("pygpu-bench-modules-"):
        SourceModule(SMALL)  # fills the cache
        path, _ = compile_for("sim", 'extern "C" {\n' + SMALL + "\n}\n")
        ops = {
            "SourceModule (cached)": lambda: SourceModule(SMALL),
            "compile_for (cached lookup)": lambda: compile_for("sim", 'extern "C" {\n' + SMALL + "\n}\n"),
            "module_from_file (load)": lambda: cuda.module_from_file(str(path)),
        }
        samples: dict[str, list[float]] = {name: [] for name in ops}
        for _ in range(max(repeats, 10)):
            for name, op in ops.items():
                t0 = time.perf_counter()
                op()
                samples[name].append((time.perf_counter() - t0) * 1e3)
    main = stats(samples["SourceModule (cached)"])
    refs = {n: stats(s) for n, s in samples.items() if n != "SourceModule (cached)"}
    return {"value_ms": main, "references_ms": refs,
            "target": {"text": f"<= {COMPILE_LIMIT_MS} ms", "value": main["median"],
                       "met": main["median"] <= COMPILE_LIMIT_MS}}


def measure(repeats: int = 7, sample_s: float = 0.01) -> dict[str, dict]:
    """{"prepared_async_call": ..., "SourceModule cached": ...}: medians, references, targets."""
    import PyGPU

    if PyGPU.backend != "sim":
        raise SystemExit("bench.modules measures the simulated device: run with PYGPU_BACKEND=sim")
    return {"prepared_async_call": _launch(repeats, sample_s), "SourceModule cached": _compile(repeats)}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.modules", description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    result = measure(args.repeats)
    launch, comp = result["prepared_async_call"], result["SourceModule cached"]
    v = launch["value_us"]
    print(f"prepared_async_call, one-thread kernel: {v['median']:.2f} µs ({v['min']:.2f}-{v['max']:.2f}); "
          f"target {launch['target']['text']}: {'met' if launch['target']['met'] else 'MISSED'}; "
          f"Python side {launch['python_side_us']:.2f} µs")
    for name, r in launch["references_us"].items():
        print(f"  {name:<42} {r['median']:8.3f} µs   ratio {launch['ratios'][name]:.2f}")
    c = comp["value_ms"]
    print(f"SourceModule of a small kernel from the cache: {c['median']:.2f} ms ({c['min']:.2f}-{c['max']:.2f}); "
          f"target {comp['target']['text']}: {'met' if comp['target']['met'] else 'MISSED'}")
    for name, r in comp["references_ms"].items():
        print(f"  {name:<42} {r['median']:8.3f} ms")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
