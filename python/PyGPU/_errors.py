"""The error boundary: CudaError, DtypeMismatchError, and the one place a failed cudaError_t becomes an exception.

The C++ side (``cudaError_t.check()``) raises through :func:`exception` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from . import _core as _g
from ._public import public


class CudaError(RuntimeError):
    """A runtime call failed.

    Carries the backend's native ``code``, the error's ``name`` and ``description``, the ``call`` that
    failed and a detail ``message`` saying what was wrong when it is known; its text reads
    ``"<call> failed: <name>: <description> (<message>)"``. Pickles with all of them. PyCUDA raises
    ``pycuda.driver.Error`` subclasses; PyGPU raises this one type for every failed runtime call, and
    ``PyGPU.driver.Error`` is the same class.

    Parameters
    ----------
    code : int
        The backend's native error number (``cudaError_t`` on CUDA and the simulated device,
        ``hipError_t`` on HIP).
    name : str
        The error's name, e.g. ``"cudaErrorMemoryAllocation"``.
    description : str
        The runtime's description of the error.
    message : str, optional
        What was wrong and how to fix it, when known.
    call : str, optional
        The runtime call that failed, e.g. ``"cudaMalloc"``.

    Examples
    --------
    >>> import PyGPU
    >>> ptr, err = PyGPU.cudaMalloc(1 << 62)
    >>> try:
    ...     err.check()
    ... except PyGPU.CudaError as e:
    ...     print(e.name, e.code, e.call)
    cudaErrorMemoryAllocation 2 cudaMalloc
    """

    def __init__(self, code: int, name: str, description: str, message: str = "", call: str = "") -> None:
        self.code = int(code)
        self.name = name
        self.description = description
        self.message = message
        self.call = call
        text = f"{name}: {description}"
        if call:
            text = f"{call} failed: {text}"
        if message:
            text = f"{text} ({message})"
        super().__init__(text)

    def __reduce__(self) -> tuple[type[CudaError], tuple[int, str, str, str, str]]:
        return (type(self), (self.code, self.name, self.description, self.message, self.call))


@public("PyGPU.gpuarray")
class DtypeMismatchError(TypeError, ValueError):
    """Two arrays of different dtypes met where one dtype is needed.

    Notes
    -----
    PyCUDA raises ValueError for this in ``set`` and TypeError in ``get``;
    this exception is both, so code written for either keeps working and one
    kind of failure has one exception type.

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> a = gpuarray.zeros(3, dtype=np.float32)
    >>> try:
    ...     a.set(np.zeros(3, dtype=np.float64))
    ... except ValueError as e:  # also a TypeError
    ...     print(type(e).__name__, "-", e)
    DtypeMismatchError - ary and self must have the same dtype (float64 != float32)
    """


@public("PyGPU")
class CompileError(RuntimeError):
    """A compile that failed: NVRTC (CUDA), hiprtc (HIP) or the simulated device's driver.

    The message holds the compiler's errors on the user's own lines (``file:line: error: ...`` or NVRTC's
    ``name(line): error: ...``), or what is missing (no C++ compiler: "set CXX"; no NVRTC: "pip install
    PyGPU[nvrtc]"). ``PyGPU.sim.CompileError`` is the same class.

    Parameters
    ----------
    message : str
        What failed, with the log.
    log : str, optional
        What the compiler printed.
    returncode : int, optional
        The compiler's exit status, or NVRTC's/hiprtc's result code.
    options : sequence of str, optional
        The options (or command) the compile was given.

    Examples
    --------
    >>> import PyGPU, PyGPU.sim
    >>> PyGPU.sim.CompileError is PyGPU.CompileError
    True
    >>> e = PyGPU.CompileError("k.cu(3): error: x is undefined", log="k.cu(3): ...", options=["-std=c++17"])
    >>> e.log, e.options
    ('k.cu(3): ...', ('-std=c++17',))
    """

    def __init__(self, message: str, log: str = "", returncode: int = 1, options: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.log = log
        self.returncode = returncode
        self.options = tuple(options)

    def __reduce__(self) -> tuple[type[CompileError], tuple[str, str, int, tuple[str, ...]]]:
        return (CompileError, (str(self), self.log, self.returncode, self.options))


def exception(err: _g.cudaError_t, message: str = "", call: str = "") -> CudaError:
    """The CudaError for a failed `err` (`message` and `call` override the ones it carries)."""
    return CudaError(int(err), err.name, err.description, message or err.message, call or err.call)


def raise_error(err: _g.cudaError_t, message: str = "", call: str = "") -> NoReturn:
    """Raise the CudaError for a failed `err`."""
    raise exception(err, message, call)


def check(err: _g.cudaError_t, message: str = "") -> None:
    """Raise CudaError when `err` is a failure (``bool(err)``); the success path calls nothing."""
    if err:
        raise exception(err, message)


def ready(err: _g.cudaError_t) -> bool:
    """A query's answer: False for cudaErrorNotReady, True for success, else raise."""
    if int(err) == _g.cudaErrorNotReady:
        return False
    check(err)
    return True


def error_for(code: int, message: str, call: str) -> CudaError:
    """The CudaError for a native `code` found wrong in Python (no runtime call made)."""
    return exception(_g.cudaError_t(code), message, call)
