"""Backend choice at import: PYGPU_BACKEND = sim | cuda | hip | auto (default).

``auto`` takes the first built GPU backend (cuda, then hip) that reports at
least one device, otherwise the simulated device (HIP is not even loaded on
Linux without ``/dev/kfd``, the AMD GPU driver's device). A backend asked for by name
that was not built, or cannot load, is an ImportError that says why.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from . import _build_info, _core

BACKENDS: tuple[str, ...] = ("sim", "cuda", "hip")
GPU_BACKENDS: tuple[str, ...] = ("cuda", "hip")
built_backends: tuple[str, ...] = tuple(b for b in BACKENDS if b in _build_info.built_backends)
# What each GPU backend answered when ``auto`` passed it over, in probe order,
# e.g. {"cuda": "cudaErrorInsufficientDriver (35)", "hip": "not probed: no /dev/kfd"};
# empty when the backend was named in PYGPU_BACKEND or a GPU answered.
fallback_answers: dict[str, str] = {}


def _load_table(name: str) -> Any:
    """The function table capsule of a built backend (ImportError that says why otherwise)."""
    if name not in built_backends:
        why = ("it was not built" if name in BACKENDS
               else f"there is no backend of that name (choose from {', '.join(BACKENDS)}, or auto)")
        raise ImportError(f"PyGPU: backend '{name}' cannot be used: {why}; built backends: {', '.join(built_backends)}")
    try:
        module = importlib.import_module(f"PyGPU._backend_{name}")
    except ImportError as exc:
        raise ImportError(f"PyGPU: backend '{name}' cannot be loaded: {exc}") from exc
    return module.table


def _may_see_devices(name: str) -> bool:
    """Whether `name` can see a device at all, judged without loading its runtime.

    On Linux the AMD runtime reaches a GPU only through the kernel driver's
    ``/dev/kfd``; without it HIP reports no device, so ``auto`` skips loading
    ``libamdhip64`` and its dependencies (20 to 30 ms of ``import PyGPU``).
    The CUDA runtime is linked in statically and answers at once.
    """
    if name == "hip" and sys.platform.startswith("linux"):
        return os.path.exists("/dev/kfd")
    return True


def select() -> str:
    """Activate the backend named by ``PYGPU_BACKEND`` and return its name.

    ``auto`` (the default, also for an empty value) takes the first built GPU
    backend (cuda, then hip) that loads and reports at least one device, else
    the simulated device; what each GPU backend answered is then kept in
    ``fallback_answers`` (``PyGPU.autoinit`` reports it). ``PyGPU`` calls this
    once at import and keeps the result as ``PyGPU.backend``; calling it again
    with the same environment returns the same name.

    Returns
    -------
    str
        ``"sim"``, ``"cuda"`` or ``"hip"``.

    Raises
    ------
    ImportError
        When the backend asked for by name was not built or cannot be loaded
        (the message says which backends were built).
    RuntimeError
        When another backend is already active in this process (one backend
        per process).

    Examples
    --------
    >>> import PyGPU
    >>> from PyGPU import _backend
    >>> _backend.select() == PyGPU.backend
    True
    """
    requested = os.environ.get("PYGPU_BACKEND", "auto").strip().lower() or "auto"
    if requested != "auto":
        return _core._activate(_load_table(requested))
    answers: dict[str, str] = {}
    for name in GPU_BACKENDS:
        if name not in built_backends:
            answers[name] = "not built"
            continue
        if not _may_see_devices(name):
            answers[name] = "not probed: no /dev/kfd (no AMD GPU driver)"
            continue
        try:
            table = _load_table(name)
        except ImportError as exc:
            answers[name] = f"cannot load ({exc})"
            continue
        count, code, code_name = _core._probe(table)
        if count > 0:
            return _core._activate(table)
        answers[name] = f"{code_name} ({code})" if code else "no device"
    chosen = _core._activate(_load_table("sim"))
    fallback_answers.clear()
    fallback_answers.update(answers)
    return chosen


def probe(name: str) -> tuple[int, int, str]:
    """Ask a built backend how many devices it sees, without activating it.

    Parameters
    ----------
    name : str
        ``"sim"``, ``"cuda"`` or ``"hip"``.

    Returns
    -------
    tuple of (int, int, str)
        The device count (0 when the backend reports an error), the
        backend's native status code of the device-count call, and that
        code's name.

    Raises
    ------
    ImportError
        When `name` was not built or cannot be loaded.

    Examples
    --------
    >>> from PyGPU import _backend
    >>> count, code, name = _backend.probe("sim")
    >>> count >= 1, code, name
    (True, 0, 'cudaSuccess')
    """
    return _core._probe(_load_table(name))
