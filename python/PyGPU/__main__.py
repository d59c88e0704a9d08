"""``python -m PyGPU``: version, backends, devices, and a self-check.

Exits 0 when the self-check passes on the active backend, 1 otherwise.
"""

from __future__ import annotations

import sys

import numpy as np

import PyGPU as g
from PyGPU import _backend


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def describe_backends() -> None:
    print(f"PyGPU {g.__version__}")
    print(f"backends built: {', '.join(g.built_backends)}; active: {g.backend}")
    for name in g.built_backends:
        if name == g.backend:
            continue
        try:
            count, code, err = _backend.probe(name)
        except ImportError as exc:
            print(f"  {name}: cannot load ({exc})")
            continue
        status = f"{count} device(s)" if count else f"no device ({err}, code {code})"
        print(f"  {name}: {status}")


def describe_devices() -> int:
    count, err = g.cudaGetDeviceCount()
    if err:
        print(f"devices: none ({err.name}: {err.description})")
        return 0
    for device in range(count):
        prop, err = g.cudaGetDeviceProperties(device)
        if err:
            print(f"device {device}: properties unavailable ({err.name})")
            continue
        print(
            f"device {device}: {prop.name}, compute capability {prop.major}.{prop.minor}, "
            f"{_gib(prop.totalGlobalMem)}, {prop.multiProcessorCount} multiprocessors, "
            f"warp {prop.warpSize}, {prop.maxThreadsPerBlock} threads/block, "
            f"PCI {prop.pciDomainID:04x}:{prop.pciBusID:02x}:{prop.pciDeviceID:02x}"
        )
    return count


def self_check() -> bool:
    """Allocate, copy a round trip, time a stream between two events."""
    results = []

    def step(name: str, ok: bool, detail: str = "") -> None:
        results.append(ok)
        print(f"  {name:<40} {'ok' if ok else 'FAILED'}{'  ' + detail if detail else ''}")

    n = 1 << 20
    host = np.arange(n, dtype=np.float32)
    back = np.zeros_like(host)
    dev, err = g.cudaMalloc(host.nbytes)
    step(f"cudaMalloc({host.nbytes})", not err, "" if not err else f"{err.name}")
    if err:
        return False
    try:
        stream = g.cudaStream_t()
        start, stop = g.cudaEvent_t(), g.cudaEvent_t()
        errs = [
            start.record(stream),
            g.cudaMemcpyAsync(dev, host, host.nbytes, g.cudaMemcpyHostToDevice, stream),
            g.cudaMemcpyAsync(back, dev, host.nbytes, g.cudaMemcpyDeviceToHost, stream),
            stop.record(stream),
            stream.synchronize(),
        ]
        failed = [e for e in errs if e]
        step("stream: event, copy H2D, copy D2H, event", not failed, failed[0].name if failed else "")
        step("round trip equals the source", bool(np.array_equal(host, back)))
        ms, err = g.cudaEventElapsedTime(start, stop)
        step("cudaEventElapsedTime", not err and ms >= 0.0, f"{ms:.3f} ms" if not err else err.name)
    finally:
        err = g.cudaFree(dev)
        step("cudaFree", not err, "" if not err else err.name)
    return all(results)


def main() -> int:
    describe_backends()
    count = describe_devices()
    if count == 0:
        print("verdict: FAIL (the active backend has no device)")
        return 1
    print(f"self-check on '{g.backend}':")
    ok = self_check()
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
