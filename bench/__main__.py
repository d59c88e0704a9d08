"""python -m bench: PyGPU's benchmark suite (see docs/performance.md).

Runs the cases of issue 7 on each built backend (one subprocess per backend,
with PYGPU_BACKEND set), measures every figure against its references in the
same run, prints a table and optionally writes JSON. It reports; its exit
status is 0 unless the suite itself could not run (missed targets do not
fail it).

Cases: calls (call overhead, every backend), bandwidth, latency, kernels,
arrays (GPUArray compute; the simulated device), mempool (the simulated device),
imports (import time), build (compile step and clean
pip install: minutes, so only in the full profile or when asked for).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from . import build_time, imports, targets
from ._figures import PROFILES

ROOT = Path(__file__).resolve().parent.parent
CASES = ("calls", "bandwidth", "latency", "kernels", "arrays", "mempool", "imports", "build")
PER_BACKEND = ("calls", "bandwidth", "latency", "kernels", "arrays", "mempool")
SIM_ONLY = ("bandwidth", "latency", "kernels", "arrays", "mempool")
DEFAULT_CASES = {"quick": ("calls", "bandwidth", "latency", "kernels", "arrays", "mempool", "imports"),
                 "full": CASES}


def _env(backend: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYGPU_BACKEND", None)
    if backend:
        env["PYGPU_BACKEND"] = backend
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def built_backends() -> list[str]:
    proc = subprocess.run([sys.executable, "-c", "import PyGPU; print(','.join(PyGPU.built_backends))"],
                          env=_env("sim"), capture_output=True, text=True, cwd=str(ROOT), check=False)
    if proc.returncode != 0:
        raise SystemExit("bench: PyGPU cannot be imported here; install it first (pip install .):\n" +
                         proc.stderr.strip()[-2000:])
    return [b for b in proc.stdout.strip().split(",") if b]


def run_backend(backend: str, cases: list[str], profile: str, figures: str) -> dict:
    cmd = [sys.executable, "-m", "bench._worker", "--cases", ",".join(cases), "--profile", profile,
           "--figures", figures]
    proc = subprocess.run(cmd, env=_env(backend), cwd=str(ROOT), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": f"backend '{backend}': the worker failed ({proc.returncode}): {proc.stderr.strip()[-3000:]}"}
    return json.loads(proc.stdout)


def build_figures(profile: str) -> list[dict]:
    compile_ = build_time.measure_compile(3 if profile == "full" else 1, quiet=True)
    pip = build_time.measure_pip(1, quiet=True)
    out = []
    for _key, name, r, text, ok in (
            ("compile", "cmake --build, sim backend only", compile_, "< 20 s", compile_["met"]),
            ("pip", "clean pip install . (all backends)", pip, "<= 90 s", pip["met"])):
        w = r["wall_s"]
        out.append({"case": "build", "name": name, "backend": "-", "unit": "s", "higher_is_better": False,
                    "value": w, "samples": [x["wall_s"] for x in r["runs"]], "references": {}, "ratios": {},
                    "missing": {}, "note": f"CPU {r['cpu_s']['median']:.1f} s, load before {r['load_before']}",
                    "detail": r, "target": {"text": text, "value": w["median"], "limit": r["target_s"], "met": ok}})
    return out


# ------------------------------------------------------------------ output ---

def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit in ("ns/call",):
        return f"{v:.0f}"
    if unit == "GB/s":
        return f"{v:.2f}" if v < 100 else f"{v:.0f}"
    if unit in ("µs", "ms", "s"):
        return f"{v:.2f}" if v < 10 else f"{v:.1f}"
    return f"{v:.3g}"


def rows(figures: list[dict]) -> list[list[str]]:
    """One row per (figure, reference): figure, backend, median [min-max] unit,
    reference, its median, ratio, target, met."""
    out = []
    for f in figures:
        if "skipped" in f:
            out.append([f["name"], f["backend"], "skipped", "", "", "", "", f["skipped"]])
            continue
        v, unit = f["value"], f["unit"]
        value = f"{fmt(v['median'], unit)} [{fmt(v['min'], unit)}-{fmt(v['max'], unit)}] {unit}"
        t = f.get("target")
        target = t["text"] if t else ""
        met = ("met" if t["met"] else "MISSED") if t else ""
        refs = list(f["references"].items())
        if "added_ms" in f:
            refs = [(f"import numpy (adds {f['added_ms']:.1f} ms)", f["references"]["import numpy"])]
            ratios = {refs[0][0]: f["ratios"]["import numpy"]}
        else:
            ratios = f["ratios"]
        if not refs:
            missing = "; ".join(f"{k}: {w}" for k, w in f.get("missing", {}).items())
            out.append([f["name"], f["backend"], value, missing or "-", "", "", target, met])
            continue
        for i, (ref, s) in enumerate(refs):
            r = ratios.get(ref, {}).get("of_medians")
            cells = [f["name"], f["backend"], value] if i == 0 else ["", "", ""]
            ratio = f"{r:.2f}x" if r is not None else "-"
            out.append([*cells, ref, fmt(s["median"], unit), ratio, target if i == 0 else "", met if i == 0 else ""])
        out.extend(["", "", "", f"{ref}: missing", "", "", "", ""]
                   for ref in f.get("missing", {}) if ref not in f["references"])
    return out


HEADER = ["figure", "backend", "median [min-max]", "reference", "ref median", "ratio", "target", "met"]


def table(figures: list[dict]) -> str:
    body = rows(figures)
    widths = [max(len(r[i]) for r in [HEADER, *body]) for i in range(len(HEADER))]
    widths = [min(w, 58) for w in widths]
    lines = []
    last_case = None
    for f_rows, case in _group(figures, body):
        if case != last_case:
            lines.append(f"\n== {case}")
            lines.append("  ".join(h.ljust(w) for h, w in zip(HEADER, widths)).rstrip())
            last_case = case
        lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in f_rows)
    return "\n".join(lines)


def _group(figures, body):
    """Pair the table rows with the case of the figure they belong to."""
    i = 0
    for f in figures:
        n = len(rows([f]))
        yield body[i:i + n], f["case"]
        i += n


def markdown(figures: list[dict]) -> str:
    lines = []
    last_case = None
    for f_rows, case in _group(figures, rows(figures)):
        if case != last_case:
            lines += ["", f"### {case}", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
            last_case = case
        for r in f_rows:
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return "\n".join(lines).strip() + "\n"


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=str(ROOT), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=str(ROOT),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=False).stdout.strip()
        return head + ("+local changes" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", default=[], metavar="sim|cuda|hip",
                        help="backend(s) to measure, repeatable or comma-separated (default: every built one)")
    parser.add_argument("--only", action="append", default=[], metavar="CASE",
                        help=f"case(s) to run, repeatable or comma-separated: {', '.join(CASES)} "
                             "(default: all but build in quick, all in full)")
    parser.add_argument("--figure", action="append", default=[], metavar="NAME",
                        help="only figures of this exact name (e.g. 'cudaGetDevice()'), repeatable")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick",
                        help="quick: under a minute; full: more repeats, sizes up to 256 MiB, build times")
    parser.add_argument("--json", type=Path, help="write every figure, with its samples, here")
    parser.add_argument("--markdown", type=Path, help="write the table as Markdown here")
    args = parser.parse_args(argv)

    cases = [c for item in args.only for c in item.replace(" ", ",").split(",") if c]
    cases = cases or list(DEFAULT_CASES[args.profile])
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    built = built_backends()
    backends = [b for item in args.backend for b in item.split(",") if b] or built
    not_built = [b for b in backends if b not in built]
    if not_built:
        parser.error(f"backend(s) {', '.join(not_built)} not built here (built: {', '.join(built)})")

    started = dt.datetime.now(dt.timezone.utc)
    meta = {"profile": args.profile, "cases": cases, "backends": backends, "started": started.isoformat(),
            "python": platform.python_version(), "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "load_before": list(os.getloadavg()), "commit": _git_commit()}
    figures: list[dict] = []
    errors: list[str] = []
    per_backend = [c for c in cases if c in PER_BACKEND]
    for backend in backends:
        mine = [c for c in per_backend if backend == "sim" or c not in SIM_ONLY]
        if not mine:
            continue
        print(f"bench: {', '.join(mine)} on backend '{backend}' ...", file=sys.stderr, flush=True)
        result = run_backend(backend, mine, args.profile, "|".join(args.figure))
        if "error" in result:
            errors.append(result["error"])
            print(f"bench: {result['error']}", file=sys.stderr)
            continue
        meta.setdefault("workers", {})[backend] = result["info"]
        figures += result["figures"]
    if "imports" in cases:
        print("bench: imports ...", file=sys.stderr, flush=True)
        figures += imports.run(PROFILES[args.profile], backends)
    if "build" in cases:
        print("bench: build (compile step and clean pip install; minutes) ...", file=sys.stderr, flush=True)
        figures += build_figures(args.profile)
    targets.apply(figures)
    order = {c: i for i, c in enumerate(CASES)}
    figures.sort(key=lambda f: order[f["case"]])  # stable: keeps the order within a case
    meta["load_after"] = list(os.getloadavg())
    meta["seconds"] = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    summary = targets.summary(figures)

    missing = sorted({f"{k}: {w}" for f in figures for k, w in f.get("missing", {}).items()})
    print(f"PyGPU benchmarks ({args.profile} profile, commit {meta['commit']}, {meta['cpu_count']} CPUs, "
          f"load {meta['load_before'][0]:.1f} before / {meta['load_after'][0]:.1f} after, "
          f"{meta['seconds']:.0f} s)")
    print(table(figures))
    for m in missing:
        print(f"reference missing, ratio skipped: {m}")
    for e in errors:
        print(f"error: {e}")
    print(f"\ntargets: {summary['met']} met, {summary['missed']} missed (of {summary['targets']} judged)")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "summary": summary, "errors": errors, "figures": figures},
                                        indent=1, ensure_ascii=False))
    if args.markdown:
        args.markdown.write_text(markdown(figures))
    return 1 if errors and not figures else 0


if __name__ == "__main__":
    sys.exit(main())
