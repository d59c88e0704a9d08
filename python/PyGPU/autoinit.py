"""PyGPU.autoinit: a drop-in for ``pycuda.autoinit``.

Importing it chooses a device and makes it current for the importing thread,
as ``pycuda.autoinit`` does: the device numbered by the ``CUDA_DEVICE``
environment variable, else the one numbered in the file ``~/.cuda_device``,
else the first device whose context can be made current. It sets the module
attributes ``context`` (a :class:`PyGPU.driver.Context`, pushed) and
``device`` (its :class:`PyGPU.driver.Device`). PyGPU uses the device's primary
context, so there is nothing to clean up at exit.

When ``PYGPU_BACKEND`` is ``auto`` (the default) and the choice fell back to
the simulated device because no GPU backend answered with a device, importing
this module says so once, in a ``RuntimeWarning`` that names what each GPU
backend answered (``cuda: cudaErrorInsufficientDriver (35); hip: ...``): a
script meant for a GPU should not pass unnoticed on the simulator. Naming the
simulated device (``PYGPU_BACKEND=sim``) keeps it silent.

Examples
--------
>>> import PyGPU.autoinit
>>> import PyGPU.driver as cuda
>>> PyGPU.autoinit.device == cuda.Context.get_device()
True
"""

from __future__ import annotations

import contextlib
import os
import sys
import types
import warnings

from . import _backend, _core
from . import driver as _driver

__all__ = ["context", "device"]


def _stacklevel() -> int:
    """The warning's stack level that names the user's import line, past PyGPU's own frames and importlib's
    (which ``warnings`` does not count)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: types.FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None:
        name = frame.f_code.co_filename
        internal = "importlib" in name and "_bootstrap" in name
        if not internal and os.path.dirname(os.path.abspath(name)) != package:
            return level
        frame, level = frame.f_back, level + (not internal)
    return 1


def _report_fallback() -> None:
    """Warn that ``auto`` landed on the simulated device, naming what each GPU backend answered."""
    if not _backend.fallback_answers:
        return
    answers = "; ".join(f"{name}: {answer}" for name, answer in _backend.fallback_answers.items())
    warnings.warn(f"PyGPU.autoinit: no GPU answered, so this runs on the simulated device ({answers}); "
                  "set PYGPU_BACKEND=sim to choose it without this warning, or PYGPU_BACKEND=cuda or hip "
                  "to fail instead", RuntimeWarning, stacklevel=_stacklevel())


def _chosen_ordinal() -> int | None:
    """CUDA_DEVICE, else the number in ~/.cuda_device, else None (PyCUDA's make_default_context)."""
    number = os.environ.get("CUDA_DEVICE")
    if number is None:
        try:
            with open(os.path.join(os.path.expanduser("~"), ".cuda_device")) as rc:
                number = rc.read().strip()
        except OSError:
            return None
    try:
        return int(number)
    except ValueError:
        raise TypeError(f"CUDA device number (CUDA_DEVICE or ~/.cuda_device) must be an integer, not {number!r}") \
            from None


def _make_default_context() -> _driver.Context:
    ordinal = _chosen_ordinal()
    if ordinal is not None:
        return _driver.Device(ordinal).make_context()
    count = _driver.Device.count()
    for candidate in range(count):
        with contextlib.suppress(_driver.Error):  # PyCUDA tries the next device
            return _driver.Device(candidate).make_context()
    raise RuntimeError(f"PyGPU.autoinit: no context could be made on any of the {count} device(s) "
                       f"of backend {_core._backend_name()!r}")


_report_fallback()
_driver.init()
context: _driver.Context = _make_default_context()
device: _driver.Device = context.get_device()
