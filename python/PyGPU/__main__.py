"""``python -m PyGPU``: version, backends, devices, and a self-check.

Exits 0 when the self-check passes on the active backend, 1 otherwise. The
functions are importable, so a program can print the same report.

Examples
--------
>>> from PyGPU.__main__ import main
>>> main()  # doctest: +ELLIPSIS
PyGPU ...
backends built: ...; active: sim
...
verdict: PASS
0
"""

from __future__ import annotations

import sys

import numpy as np

import PyGPU as g
from PyGPU import _backend, _core


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def describe_backends() -> None:
    """Print PyGPU's version, the backends built, the active one, and the others' devices.

    A built backend other than the active one is probed without being
    activated; one that cannot be loaded is reported with the reason.

    Examples
    --------
    >>> from PyGPU.__main__ import describe_backends
    >>> describe_backends()  # doctest: +ELLIPSIS
    PyGPU ...
    backends built: sim...; active: sim...
    """
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
    """Print one line per device of the active backend (name, memory, limits, PCI id).

    Returns
    -------
    int
        The number of devices; 0 when the backend has none (the reason is
        printed).

    Examples
    --------
    >>> import PyGPU
    >>> from PyGPU.__main__ import describe_devices
    >>> n = describe_devices()  # doctest: +ELLIPSIS
    device 0: ..., compute capability ..., ... GiB, ... multiprocessors, warp 32, ...
    >>> n == PyGPU.cudaGetDeviceCount()[0]
    True
    """
    count, err = _core.cudaGetDeviceCount()
    if err or count is None:
        print(f"devices: none ({err.name}: {err.description})")
        return 0
    for device in range(count):
        prop, err = _core.cudaGetDeviceProperties(device)
        if err or prop is None:
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
    """Allocate, copy a round trip, time a stream between two events; print each step.

    Uses 4 MiB of device memory on the current device, freed before it
    returns.

    Returns
    -------
    bool
        True when every step succeeded and the round trip gave back the data.

    Examples
    --------
    >>> from PyGPU.__main__ import self_check
    >>> self_check()  # doctest: +ELLIPSIS
      cudaMalloc(4194304)                      ok
      stream: event, copy H2D, copy D2H, event ok
      round trip equals the source             ok
      cudaEventElapsedTime                     ok  ... ms
      cudaFree                                 ok
    True
    """
    results: list[bool] = []

    def step(name: str, ok: bool, detail: str = "") -> None:
        results.append(ok)
        print(f"  {name:<40} {'ok' if ok else 'FAILED'}{'  ' + detail if detail else ''}")

    n = 1 << 20
    host = np.arange(n, dtype=np.float32)
    back = np.zeros_like(host)
    dev, err = _core.cudaMalloc(host.nbytes)
    step(f"cudaMalloc({host.nbytes})", not err, "" if not err else f"{err.name}")
    if err or dev is None:
        return False
    try:
        stream = _core.cudaStream_t()
        start, stop = _core.cudaEvent_t(), _core.cudaEvent_t()
        errs = [
            start.record(stream),
            _core.cudaMemcpyAsync(dev, host, host.nbytes, _core.cudaMemcpyHostToDevice, stream),
            _core.cudaMemcpyAsync(back, dev, host.nbytes, _core.cudaMemcpyDeviceToHost, stream),
            stop.record(stream),
            stream.synchronize(),
        ]
        failed = [e for e in errs if e]
        step("stream: event, copy H2D, copy D2H, event", not failed, failed[0].name if failed else "")
        step("round trip equals the source", bool(np.array_equal(host, back)))
        ms, err = _core.cudaEventElapsedTime(start, stop)
        if err or ms is None:
            step("cudaEventElapsedTime", False, err.name)
        else:
            step("cudaEventElapsedTime", ms >= 0.0, f"{ms:.3f} ms")
    finally:
        err = _core.cudaFree(dev)
        step("cudaFree", not err, "" if not err else err.name)
    return all(results)


def main() -> int:
    """Run ``python -m PyGPU``: print the backends and devices, then the self-check.

    Returns
    -------
    int
        The exit status: 0 when the self-check passes on the active backend,
        1 when it fails or the backend has no device.

    Examples
    --------
    >>> from PyGPU.__main__ import main
    >>> status = main()  # doctest: +ELLIPSIS
    PyGPU ...
    verdict: PASS
    >>> status
    0
    """
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
