"""Case 7, GPUArray compute on the simulated device (issue 18), against numpy doing the same operation on the
same data in the same run:

- elementwise: ``a + b``, ``a * 2 + b`` and ``cumath.exp(a)`` of 2^24 float32, each a new array as numpy's
  ``a + b`` is, the device synchronised after every operation;
- reductions: ``gpuarray.sum(a)``, ``dot(a, b)`` and ``max(a)`` of 2^24 float32, each fetched to the host
  (``.get()``), against ``np.sum``, ``np.dot`` and ``np.max``;
- first use: ``a + b`` and ``gpuarray.sum(a)`` of 4 KiB in a fresh interpreter with an empty compile cache
  (``PYGPU_CACHE_DIR``): the kernel's generation, compile, load and run, import excluded; against the same
  in a cache whose prelude is already precompiled (which the compile after the first three per cache, compiler
  and options does);
- a loop of ``a += b`` on 4 KiB float32, µs per iteration, the device synchronised once at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ._figures import figure, scaled
from ._timing import Subject, compare, scratch_cache, timed_loop

N = 1 << 24
SMALL = 1024  # float32: 4 KiB
LOOP = 1000

# name, PyGPU operation, numpy reference name, numpy operation (on a, b as GPUArrays / numpy arrays)
COMPUTE = (
    ("a + b 2^24 float32", lambda g, a, b: a + b, "numpy a + b", lambda np, a, b: a + b),
    ("a * 2 + b 2^24 float32", lambda g, a, b: a * 2 + b, "numpy a * 2 + b", lambda np, a, b: a * 2 + b),
    ("cumath.exp(a) 2^24 float32", lambda g, a, b: g.cumath.exp(a), "numpy np.exp(a)", lambda np, a, b: np.exp(a)),
    ("gpuarray.sum(a) 2^24 float32", lambda g, a, b: g.sum(a).get(), "numpy np.sum(a)", lambda np, a, b: np.sum(a)),
    ("gpuarray.dot(a, b) 2^24 float32", lambda g, a, b: g.dot(a, b).get(), "numpy np.dot(a, b)",
     lambda np, a, b: np.dot(a, b)),
    ("gpuarray.max(a) 2^24 float32", lambda g, a, b: g.max(a).get(), "numpy np.max(a)", lambda np, a, b: np.max(a)),
)
# name, statement timed in a fresh interpreter after `import PyGPU as g, numpy as np` and making a and b
FIRST_USE = (
    ("first use of a + b (compile, empty cache)", "c = a + b; c.get()"),
    ("first use of gpuarray.sum (compile, empty cache)", "g.sum(a).get()"),
)
LOOP_NAME = "a += b loop, 4 KiB float32"
NAMES = (*(c[0] for c in COMPUTE), *(f[0] for f in FIRST_USE), LOOP_NAME)

_FIRST_USE_SCRIPT = """
import json, sys, time
import numpy as np
import PyGPU as g
a = g.to_gpu(np.arange({n}, dtype=np.float32)); b = g.to_gpu(np.ones({n}, np.float32))
if {prelude}:
    import PyGPU.sim
    from PyGPU._compile.host import PCH_AFTER
    for i in range(PCH_AFTER + 1):  # the last builds the precompiled prelude of the default options
        PyGPU.sim.compile(f"int pygpu_bench_unrelated_{{i}};")
g.cudaDeviceSynchronize()
t0 = time.perf_counter()
{stmt}
print(json.dumps(time.perf_counter() - t0))
"""


def _cumath_missing() -> str | None:
    """Why cumath cannot be measured here, or None."""
    import importlib.util

    if importlib.util.find_spec("PyGPU.cumath") is None:
        return "PyGPU.cumath is not available in this build"
    return None


def _first_use(stmt: str, runs: int, prelude: bool = False) -> list[float]:
    """Seconds of `stmt` in `runs` fresh interpreters, each with an empty compile cache of its own (with
    `prelude`, holding only the precompiled prelude, built before the clock starts)."""
    out = []
    for _ in range(runs):
        with scratch_cache("pygpu-bench-first-use-"):
            script = _FIRST_USE_SCRIPT.format(n=SMALL, stmt=stmt, prelude=prelude)
            proc = subprocess.run([sys.executable, "-c", script],
                                  capture_output=True, text=True, check=False, env=dict(os.environ),
                                  cwd=str(Path(__file__).resolve().parent.parent), timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"first use of {stmt!r} failed: {proc.stderr.strip()[-2000:]}")
        out.append(float(json.loads(proc.stdout.strip().splitlines()[-1])))
    return out


def run(profile: dict, only: list[str] = ()) -> list[dict]:
    import numpy as np

    import PyGPU as g

    if g.backend != "sim":
        return [{"case": "arrays", "name": "all", "backend": g.backend, "unit": "-",
                 "skipped": "GPUArray compute is measured on the simulated device only", "references": {},
                 "ratios": {}, "missing": {}, "note": ""}]
    wanted = [n for n in NAMES if not only or n in only]
    repeats = max(3, profile["repeats"] // 3)
    out = []
    x, y = np.random.default_rng(0).random((2, N), dtype=np.float32) if any(
        c[0] in wanted for c in COMPUTE) else (None, None)
    a, b = (g.to_gpu(x), g.to_gpu(y)) if x is not None else (None, None)
    sync = g.cudaDeviceSynchronize
    for name, op, ref, ref_op in COMPUTE:
        if name not in wanted:
            continue
        why = _cumath_missing() if name.startswith("cumath") else None
        if why:
            out.append({"case": "arrays", "name": name, "backend": "sim", "unit": "ms", "skipped": why,
                        "references": {}, "ratios": {}, "missing": {}, "note": ""})
            continue
        if name.startswith("cumath"):
            import PyGPU.cumath  # g.cumath from here on
        expected, got = ref_op(np, x, y), op(g, a, b)
        got = got.get() if isinstance(got, g.GPUArray) else got
        np.testing.assert_allclose(got, expected, rtol=1e-4)
        subjects = [Subject("subject", op=timed_loop(lambda op=op: op(g, a, b), sync)),
                    Subject("reference", op=timed_loop(lambda ref_op=ref_op: ref_op(np, x, y)))]
        samples = compare(subjects, repeats, profile["sample_s"], k=1)
        out.append(figure("arrays", name, "sim", "ms", scaled(samples["subject"], 1e3),
                          {ref: scaled(samples["reference"], 1e3)},
                          note="2^24 float32 on the device; the device synchronised after each operation"))
    for name, stmt in FIRST_USE:
        if name in wanted:
            runs = max(1, repeats // 4)
            out.append(figure("arrays", name, "sim", "s", _first_use(stmt, runs),
                              {"the same, the prelude already precompiled": _first_use(stmt, runs, prelude=True)},
                              note=f"{stmt} of 4 KiB in a fresh interpreter, empty PYGPU_CACHE_DIR"))
    if LOOP_NAME in wanted:
        xs, ys = np.ones(SMALL, np.float32), np.ones(SMALL, np.float32)
        a_small, b_small = g.to_gpu(xs), g.to_gpu(ys)

        def loop() -> None:
            for _ in range(LOOP):
                a_small.__iadd__(b_small)

        def ref_loop() -> None:
            for _ in range(LOOP):
                xs.__iadd__(ys)

        loop()  # compiles the kernel
        sync()
        subjects = [Subject("subject", op=timed_loop(loop, sync)), Subject("reference", op=timed_loop(ref_loop))]
        samples = compare(subjects, repeats, profile["sample_s"], k=1)
        out.append(figure("arrays", LOOP_NAME, "sim", "µs", scaled(samples["subject"], 1e6 / LOOP),
                          {"numpy a += b": scaled(samples["reference"], 1e6 / LOOP)},
                          note=f"{LOOP} iterations of a += b, one synchronisation at the end; µs per iteration"))
    return out

