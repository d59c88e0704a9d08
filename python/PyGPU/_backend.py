"""Backend choice at import: PYGPU_BACKEND = sim | cuda | hip | auto (default).

``auto`` takes the first built GPU backend (cuda, then hip) that reports at
least one device, otherwise the simulated device. A backend asked for by name
that was not built, or cannot load, is an ImportError that says why.
"""

from __future__ import annotations

import importlib
import os

from . import _build_info, _core

BACKENDS = ("sim", "cuda", "hip")
GPU_BACKENDS = ("cuda", "hip")
built_backends: tuple = tuple(b for b in BACKENDS if b in _build_info.built_backends)


def _load_table(name: str):
    if name not in built_backends:
        why = "it was not built" if name in BACKENDS else f"there is no backend of that name (choose from {', '.join(BACKENDS)}, or auto)"
        raise ImportError(f"PyGPU: backend '{name}' cannot be used: {why}; built backends: {', '.join(built_backends)}")
    try:
        module = importlib.import_module(f"PyGPU._backend_{name}")
    except ImportError as exc:
        raise ImportError(f"PyGPU: backend '{name}' cannot be loaded: {exc}") from exc
    return module.table


def select() -> str:
    """Activate the backend named by PYGPU_BACKEND and return its name."""
    requested = os.environ.get("PYGPU_BACKEND", "auto").strip().lower() or "auto"
    if requested != "auto":
        return _core._activate(_load_table(requested))
    for name in GPU_BACKENDS:
        if name not in built_backends:
            continue
        try:
            table = _load_table(name)
        except ImportError:
            continue
        count, _code, _name = _core._probe(table)
        if count > 0:
            return _core._activate(table)
    return _core._activate(_load_table("sim"))


def probe(name: str) -> tuple:
    """(device count, native code, error name) of a built backend, without activating it."""
    return _core._probe(_load_table(name))
