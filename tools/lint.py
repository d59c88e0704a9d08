"""The lint step, run by CI on its own (.ci/run), not by pytest.

- ruff on python/, tests/, bench/, examples/ and tools/;
- mypy --strict on the package (files and options from [tool.mypy]);
- mypy --strict on tests/typing/user_script.py, as a user's code sees the
  installed PyGPU (typed by py.typed): it must pass;
- mypy on tests/typing/reject_script.py: it must fail on exactly the lines
  marked "# E:", so that the user script cannot pass vacuously (stubs that make
  everything Any would pass it).

Run from anywhere, after ``pip install ".[test]"`` (ruff and mypy come with the
test extra, pinned; PyGPU must be installed for the user scripts)::

    python tools/lint.py

Exit status 0 when every check passes, 1 otherwise (each failure printed with
the tool's output). Caches live in build/lint/ (git-ignored).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TYPING = ROOT / "tests" / "typing"
CACHE = ROOT / "build" / "lint"
RUFF_PATHS = ["python", "tests", "bench", "examples", "tools"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return run("mypy", "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(CACHE / "mypy"),
               "--no-color-output", "--no-error-summary", *args)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return (result.stdout + result.stderr).strip() or f"exit status {result.returncode}, no output"


def ruff() -> str | None:
    result = run("ruff", "check", "--cache-dir", str(CACHE / "ruff"), "--no-fix", *RUFF_PATHS)
    return None if result.returncode == 0 else output(result)


def mypy_package() -> str | None:
    result = mypy()  # files and --strict from [tool.mypy]
    return None if result.returncode == 0 else output(result)


def mypy_user_script() -> str | None:
    result = mypy(str(TYPING / "user_script.py"))
    return None if result.returncode == 0 else output(result)


def mypy_reject_script() -> str | None:
    script = TYPING / "reject_script.py"
    marked = {i for i, line in enumerate(script.read_text().splitlines(), 1) if "# E:" in line}
    if len(marked) < 8:
        return f"{script.name} marks {len(marked)} lines with '# E:': the check needs its mistakes back"
    result = mypy(str(script))
    if result.returncode != 1:
        return f"mypy should reject {script.name} (exit status 1), got {result.returncode}:\n{output(result)}"
    reported = {int(m.group(1)) for m in re.finditer(r"^[^:\n]*reject_script\.py:(\d+): error:", result.stdout,
                                                     re.MULTILINE)}
    if reported != marked:
        return (f"mypy rejects lines {sorted(reported)} of {script.name}, the marked ones are {sorted(marked)}:\n"
                f"{output(result)}")
    return None


CHECKS = [
    ("ruff check " + " ".join(RUFF_PATHS), ruff),
    ("mypy --strict python/PyGPU", mypy_package),
    ("mypy --strict tests/typing/user_script.py (passes)", mypy_user_script),
    ("mypy tests/typing/reject_script.py (fails on exactly the '# E:' lines)", mypy_reject_script),
]


def main() -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    failed = []
    for name, check in CHECKS:
        start = time.perf_counter()
        problem = check()
        print(f"{'ok' if problem is None else 'FAILED':6} {name} ({time.perf_counter() - start:.1f} s)", flush=True)
        if problem is not None:
            print(problem, flush=True)
            failed.append(name)
    if failed:
        print(f"lint: {len(failed)} of {len(CHECKS)} checks failed: {'; '.join(failed)}", file=sys.stderr)
        return 1
    print(f"lint: all {len(CHECKS)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
