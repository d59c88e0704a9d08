"""Case 4a, import time: ``import PyGPU`` against ``import numpy``, each in a
fresh interpreter, timed inside it around the import statement alone
(interpreter start-up is not counted), runs alternated, median of N.

``import PyGPU`` imports numpy too, so the figure that matters is what it
*adds*: median(import PyGPU) - median(import numpy). It is measured with the
default backend choice (``auto``: probes the CUDA and HIP runtimes) and with
``PYGPU_BACKEND=sim``. One extra ``python -X importtime`` run lists the
modules that take longest, for when the target is missed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile

from ._figures import figure

_SNIPPET = "import time; t = time.perf_counter(); import {mod}; print(time.perf_counter() - t)"


def _one(mod: str, backend: str | None, cwd: str) -> float:
    env = dict(os.environ)
    env.pop("PYGPU_BACKEND", None)
    if backend:
        env["PYGPU_BACKEND"] = backend
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-c", _SNIPPET.format(mod=mod)], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"import {mod} failed (PYGPU_BACKEND={backend}): {proc.stderr.strip()[-500:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def importtime_top(backend: str | None, cwd: str, top: int = 12) -> dict[str, list[dict[str, object]]]:
    """The slowest modules of ``import PyGPU`` by their own time (``-X importtime``), in ms."""
    env = dict(os.environ)
    env.pop("PYGPU_BACKEND", None)
    if backend:
        env["PYGPU_BACKEND"] = backend
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import PyGPU"], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            self_us, cumulative_us, name = [p.strip() for p in line.split(":", 1)[1].split("|")]
            rows.append({"module": name, "self_ms": int(self_us) / 1000, "cumulative_ms": int(cumulative_us) / 1000})
        except ValueError:
            continue
    pygpu = [r for r in rows if r["module"].startswith("PyGPU")]
    rows.sort(key=lambda r: -r["self_ms"])
    return {"slowest_self": rows[:top], "pygpu_modules": pygpu}


def run(profile: dict, backends: list[str]) -> list[dict]:
    runs = profile["import_runs"]
    variants = [("auto", None)] + [(b, b) for b in backends if b == "sim"]
    with tempfile.TemporaryDirectory() as cwd:  # nothing beside the interpreter's own path
        numpy_s: list[float] = []
        pygpu_s: dict[str, list[float]] = {label: [] for label, _ in variants}
        _one("numpy", None, cwd)  # warm the file cache
        for _ in range(runs):
            numpy_s.append(_one("numpy", None, cwd) * 1e3)
            for label, backend in variants:
                pygpu_s[label].append(_one("PyGPU", backend, cwd) * 1e3)
        breakdown = {label: importtime_top(backend, cwd) for label, backend in variants}
    out = [figure("imports", "import numpy", "-", "ms", numpy_s, note="reference")]
    for label, _ in variants:
        samples = pygpu_s[label]
        added = statistics.median(samples) - statistics.median(numpy_s)
        out.append(figure("imports", f"import PyGPU (PYGPU_BACKEND={label})", label, "ms", samples,
                          {"import numpy": numpy_s}, note="includes numpy", added_ms=added,
                          importtime=breakdown[label]))
    return out
