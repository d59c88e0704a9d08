"""Wall time of building PyGPU: a clean ``pip install .`` and the compile step alone.

Two measurements, each repeated and reported as median, min and max:

``compile``
    CMake's build step with only the simulated backend, from an empty build
    directory: ``cmake -S . -B <tmp> -G Ninja -DPYGPU_WITH_CUDA=OFF
    -DPYGPU_WITH_HIP=OFF ...`` (configure, not timed), then
    ``cmake --build <tmp>`` (timed). Ninja's log gives the time of every step,
    so the slowest translation units are listed too.
``pip``
    ``pip install .`` into a fresh virtual environment with a fresh build
    directory (``-C build-dir=<tmp>``; the project's own ``build/`` is never
    reused), all backends this machine can build. Creating the virtual
    environment is not timed; pip's isolated build environment, the
    configure, the compile and the install are.

Usage (from the repository root)::

    python -m bench.build_time compile            # 3 repeats
    python -m bench.build_time pip --repeats 1
    python -m bench.build_time all --json build.json
    python -m bench.build_time compile -D CMAKE_CXX_FLAGS=-O2   # try a flag

The machine's load average is printed beside each figure: on a shared
2-core machine a busy neighbour doubles a build's wall time, so compare
figures taken at the same load (the CPU time, also printed, moves less).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The targets, in seconds of wall time on the project's 2-core machine.
COMPILE_TARGET_S = 20.0
PIP_TARGET_S = 90.0


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run_timed(cmd: Sequence[str], cwd: Path | None = None, env: dict | None = None) -> dict[str, float]:
    """Run `cmd`, raise on failure; wall and CPU seconds (the command and its children)."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:])
        raise SystemExit(f"build_time: command failed ({proc.returncode}): {' '.join(cmd)}")
    return {"wall_s": wall, "cpu_s": cpu, "output": proc.stdout}


def _pybind11_dir() -> str:
    try:
        import pybind11
    except ImportError:
        raise SystemExit("build_time: the compile step needs pybind11 in this environment "
                         "(pip install pybind11, or pip install '.[test]')") from None
    return pybind11.get_cmake_dir()


def _ninja_steps(build_dir: Path, top: int = 8) -> list[dict[str, object]]:
    """The slowest steps of the last build, from .ninja_log (seconds)."""
    log = build_dir / ".ninja_log"
    if not log.exists():
        return []
    steps = []
    for line in log.read_text().splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 4:
            steps.append({"step": Path(parts[3]).name, "s": (int(parts[1]) - int(parts[0])) / 1000.0})
    steps.sort(key=lambda s: -s["s"])
    return steps[:top]


_LAUNCHER = """#!/bin/sh
# Written by bench/build_time.py: run one compile or link step and append its
# CPU seconds (user + system, children included) and output file to the log.
out=unknown; prev=
for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
exec /usr/bin/time -a -o "{log}" -f "%U %S $out" "$@"
"""


def _cpu_per_step(log: Path) -> list[dict[str, object]]:
    """CPU seconds of every compile and link step (from the launcher's log), slowest first."""
    steps = []
    if not log.exists():
        return steps
    for line in log.read_text().splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            try:
                steps.append({"step": Path(parts[2]).name, "cpu_s": round(float(parts[0]) + float(parts[1]), 2)})
            except ValueError:
                continue
    steps.sort(key=lambda s: -s["cpu_s"])
    return steps


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def measure_compile(repeats: int, defines: Sequence[str] = (), source: Path = ROOT, keep: bool = False,
                    quiet: bool = False, per_step: bool = False) -> dict[str, object]:
    """Configure (untimed) and build (timed) the sim-only project `repeats` times from scratch."""
    if shutil.which("ninja") is None:
        raise SystemExit("build_time: ninja is needed for the compile step (pip install ninja)")
    walls, cpus, loads, runs = [], [], [], []
    for i in range(repeats):
        tmp = Path(tempfile.mkdtemp(prefix="pygpu-compile-"))
        try:
            configure = ["cmake", "-S", str(source), "-B", str(tmp), "-G", "Ninja",
                         "-DPYGPU_WITH_CUDA=OFF", "-DPYGPU_WITH_HIP=OFF",
                         f"-Dpybind11_DIR={_pybind11_dir()}", f"-DPython_EXECUTABLE={sys.executable}",
                         *[f"-D{d}" for d in defines]]
            cpu_log = tmp / "cpu-per-step.log"
            if per_step and Path("/usr/bin/time").exists():
                launcher = tmp / "time-step.sh"
                launcher.write_text(_LAUNCHER.format(log=cpu_log))
                launcher.chmod(0o755)
                configure += [f"-DCMAKE_CXX_COMPILER_LAUNCHER={launcher}", f"-DCMAKE_CXX_LINKER_LAUNCHER={launcher}"]
            _run_timed(configure)
            load = os.getloadavg()[0]
            r = _run_timed(["cmake", "--build", str(tmp)])
            steps = _ninja_steps(tmp)
            cpu_steps = _cpu_per_step(cpu_log)
            walls.append(r["wall_s"])
            cpus.append(r["cpu_s"])
            loads.append(load)
            runs.append({"wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "load_before": load, "slowest_steps": steps,
                         "cpu_per_step": cpu_steps})
            if not quiet:
                print(f"compile {i + 1}/{repeats}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
                      f"(load {load:.1f}); slowest: " +
                      ", ".join(f"{s['step']} {s['s']:.1f}s" for s in steps[:4]), flush=True)
                if cpu_steps:
                    print("  CPU per step: " + ", ".join(f"{s['step']} {s['cpu_s']:.1f}s" for s in cpu_steps),
                          flush=True)
        finally:
            if keep:
                print(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    wall = _summary(walls)
    return {"what": "cmake --build, sim backend only, empty build directory", "defines": list(defines),
            "wall_s": wall, "cpu_s": _summary(cpus), "load_before": loads, "runs": runs,
            "target_s": COMPILE_TARGET_S, "met": wall["median"] < COMPILE_TARGET_S}


def measure_pip(repeats: int, source: Path = ROOT, quiet: bool = False) -> dict[str, object]:
    """`pip install .` into a fresh venv with a fresh build directory, `repeats` times."""
    walls, cpus, loads, runs = [], [], [], []
    for i in range(repeats):
        tmp = Path(tempfile.mkdtemp(prefix="pygpu-pip-"))
        try:
            venv = tmp / "venv"
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            py = str(venv / "bin" / "python")
            env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
            env.pop("PYGPU_BACKEND", None)
            load = os.getloadavg()[0]
            r = _run_timed([py, "-m", "pip", "install", "-q", "-C", f"build-dir={tmp / 'build'}", str(source)],
                           cwd=tmp, env=env)
            probe = subprocess.run([py, "-c", "import PyGPU; print(','.join(PyGPU.built_backends))"], cwd=tmp,
                                   env=env, stdout=subprocess.PIPE, text=True, check=False)
            backends = probe.stdout.strip()
            walls.append(r["wall_s"])
            cpus.append(r["cpu_s"])
            loads.append(load)
            runs.append({"wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "load_before": load, "backends": backends})
            if not quiet:
                print(f"pip install {i + 1}/{repeats}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
                      f"(load {load:.1f}), backends built: {backends}", flush=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    wall = _summary(walls)
    return {"what": "pip install . into a fresh venv, fresh build directory", "wall_s": wall,
            "cpu_s": _summary(cpus), "load_before": loads, "runs": runs,
            "target_s": PIP_TARGET_S, "met": wall["median"] <= PIP_TARGET_S}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.build_time", description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("compile", "pip", "all"), nargs="?", default="all")
    parser.add_argument("--repeats", type=int, default=None, help="default: 3 for compile, 1 for pip")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="VAR=VALUE",
                        help="extra CMake definition for the compile step (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the compile step's build directory")
    parser.add_argument("--per-step", action="store_true",
                        help="also log the CPU time of every compile and link step (a launcher around the compiler)")
    parser.add_argument("--source", type=Path, default=ROOT, help="source tree to build (default: this checkout)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    results: dict[str, object] = {"cpu_count": os.cpu_count()}
    if args.what in ("compile", "all"):
        results["compile"] = measure_compile(args.repeats or 3, args.defines, source=args.source, keep=args.keep,
                                             per_step=args.per_step)
    if args.what in ("pip", "all"):
        results["pip"] = measure_pip(args.repeats or 1, source=args.source)
    for key, label in (("compile", "compile step, sim only"), ("pip", "clean pip install ., all backends")):
        if key in results:
            r = results[key]
            w = r["wall_s"]
            print(f"{label}: median {w['median']:.1f} s wall (min {w['min']:.1f}, max {w['max']:.1f}, "
                  f"n={w['n']}), CPU {r['cpu_s']['median']:.1f} s; target "
                  f"{'<' if key == 'compile' else '<='} {r['target_s']:.0f} s: {'met' if r['met'] else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
