"""PyGPU.compiler: PyCUDA's ``pycuda.compiler`` on every backend.

``SourceModule(source)`` compiles CUDA C++ at run time for the active backend and loads it: NVRTC on CUDA (PTX or
a cubin for the current device), hiprtc on HIP (a code object for ``arch``, e.g. ``gfx90a``), the simulated
device's compiler on the simulated device (a kernel library), all through
``PyGPU._compile.runtime.compile_for`` and its disk cache (docs/runtime_compilation.md). The source is wrapped
in ``extern "C" { }`` unless ``no_extern_c``, so kernels are found by their plain names. ``compile(source)``
returns the image's bytes. ``nvcc`` is accepted for PyCUDA's signature and not run: the compilers are libraries.

Examples
--------
>>> import numpy as np, PyGPU.driver as cuda
>>> from PyGPU.compiler import SourceModule
>>> mod = SourceModule('''
... __global__ void multiply_them(float* dest, float* a, float* b) {
...     const int i = threadIdx.x;
...     dest[i] = a[i] * b[i];
... }''')
>>> multiply_them = mod.get_function("multiply_them")
>>> a, b = np.arange(4, dtype=np.float32), np.full(4, 2, np.float32)
>>> dest = np.zeros_like(a)
>>> multiply_them(cuda.Out(dest), cuda.In(a), cuda.In(b), block=(4, 1, 1), grid=(1, 1))
>>> dest.tolist()
[0.0, 2.0, 4.0, 6.0]
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from . import _core as _g
from ._compile import runtime as _runtime
from ._compile import translate as _translate
from ._module import Module, module_from_buffer, module_from_file
from ._public import public
from ._pycuda_names import NotOfferedError

if TYPE_CHECKING:
    from ._function import Function
    from ._module import ModuleGlobal

__all__ = ["DEFAULT_NVCC_FLAGS", "DynamicModule", "DynamicSourceModule", "SourceModule", "compile"]

#: Options used when ``options`` is None: ``PYCUDA_DEFAULT_NVCC_FLAGS`` split at whitespace, as in PyCUDA.
DEFAULT_NVCC_FLAGS: list[str] = os.environ.get("PYCUDA_DEFAULT_NVCC_FLAGS", "").split()

_CACHE_LOCK = threading.Lock()
_SUFFIX = {"ptx": ".ptx", "cubin": ".cubin", "code_object": ".hsaco", "sim": ".so"}


@contextlib.contextmanager
def _cache_dir(cache_dir: str | bool | None) -> Iterator[bool]:
    """Whether to use the cache; a str moves it there for the compile (``PYGPU_CACHE_DIR``, under a lock)."""
    if cache_dir is False:
        yield False
        return
    if cache_dir is None or cache_dir is True:
        yield True
        return
    if not isinstance(cache_dir, (str, os.PathLike)):
        raise TypeError(f"cache_dir must be a path, None or False, got {type(cache_dir).__name__}")
    with _CACHE_LOCK:
        old = os.environ.get("PYGPU_CACHE_DIR")
        os.environ["PYGPU_CACHE_DIR"] = os.fspath(cache_dir)
        try:
            yield True
        finally:
            if old is None:
                del os.environ["PYGPU_CACHE_DIR"]
            else:
                os.environ["PYGPU_CACHE_DIR"] = old


def _device_arch(backend: str) -> str:
    """The current device's architecture for NVRTC (``sm_80``); CudaError without a device. HIP: ValueError."""
    if backend == "hip":
        raise ValueError("compiling for HIP needs arch= (e.g. arch='gfx90a'): the runtime layer's device "
                         "properties do not name the device's architecture")
    from ._device import Context

    major, minor = Context.get_device().compute_capability()
    return f"sm_{major}{minor}"


def _compile(source: str, options: Sequence[str] | None, keep: bool, no_extern_c: bool, arch: str | None,
             code: str | None, cache_dir: str | bool | None, include_dirs: Sequence[str],
             target: str) -> tuple[bytes | str, str, str]:
    """``(image, backend, wrapped source)``: the image is bytes, or a library's path on the simulated device."""
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}")
    if target not in ("cubin", "ptx", "fatbin"):
        raise ValueError(f"target must be 'cubin', 'ptx' or 'fatbin', got {target!r}")
    if not no_extern_c:
        source = 'extern "C" {\n#line 1\n' + source + '\n}\n'  # the log's line numbers are the user's
    opts = list(DEFAULT_NVCC_FLAGS if options is None else options)
    if isinstance(include_dirs, str):
        raise TypeError("include_dirs must be a list of directories, not a str")
    opts += [f"-I{d}" for d in include_dirs]
    backend = _g._backend_name() or "sim"
    output: str | None = None
    if backend == "cuda":
        if target == "fatbin":
            raise ValueError("target 'fatbin' is not offered: NVRTC makes PTX or a cubin (target='ptx'/'cubin')")
        arch = code or arch or _device_arch("cuda")
        output = "ptx" if target == "ptx" or arch.startswith("compute_") else "cubin"
    elif backend == "hip":
        arch = arch or _device_arch("hip")
    with _cache_dir(cache_dir) as cache:
        image, _lowered = _runtime.compile_for(backend, source, opts, arch=arch, cache=cache, output=output)
    if keep:
        where = tempfile.mkdtemp(prefix="pygpu-compiler-")
        with open(os.path.join(where, "kernel.cu"), "w") as f:
            f.write(source)
        out = os.path.join(where, "kernel" + _SUFFIX["sim" if backend == "sim" else (output or "code_object")])
        if isinstance(image, str):
            shutil.copyfile(image, out)
        else:
            with open(out, "wb") as f:
                f.write(image)
        print(f"*** compiler output in {where}")
    return image, backend, source


@public("PyGPU.compiler")
def compile(source: str, nvcc: str = "nvcc", options: Sequence[str] | None = None, keep: bool = False,
            no_extern_c: bool = False, arch: str | None = None, code: str | None = None,
            cache_dir: str | bool | None = None, include_dirs: Sequence[str] = (), target: str = "cubin") -> bytes:
    """Compile `source` for the active backend; returns the image (:func:`PyGPU.driver.module_from_buffer` loads it).

    Parameters
    ----------
    source : str
        CUDA C++ source; wrapped in ``extern "C" { }`` unless `no_extern_c`.
    nvcc : str
        Accepted for PyCUDA's signature (NVRTC, hiprtc and the simulated device's compiler are run instead).
    options : list of str, optional
        Compiler options (``-DN=4``, ``-std=c++17``, ...); None uses :data:`DEFAULT_NVCC_FLAGS`.
    keep : bool
        Keep the source and the image in a new directory, and print where (as PyCUDA does).
    no_extern_c : bool
        Do not wrap the source in ``extern "C"`` (C++ kernels are then found by their mangled names).
    arch, code : str, optional
        CUDA: the target (``sm_80`` gives a cubin, ``compute_80`` PTX; `code` wins over `arch`); default the
        current device's. HIP: required (``gfx90a``...); the simulated device ignores both.
    cache_dir : str or False, optional
        The compile cache's directory (default ``PYGPU_CACHE_DIR`` or the user's cache); False switches it off.
    include_dirs : list of str
        Added as ``-I`` options.
    target : {"cubin", "ptx", "fatbin"}
        CUDA's output kind (``fatbin`` is not offered: NVRTC makes none); the other backends make their one kind.

    Returns
    -------
    bytes
        PTX text, a cubin, an AMD code object, or the simulated device's kernel library.

    Raises
    ------
    PyGPU.CompileError
        When the compiler fails (with its log), or NVRTC/hiprtc is missing (naming what to install).

    Examples
    --------
    >>> from PyGPU.compiler import compile
    >>> image = compile("__global__ void k(int* p) { *p = 1; }")
    >>> isinstance(image, bytes) and len(image) > 0
    True
    """
    image, _backend, _source = _compile(source, options, keep, no_extern_c, arch, code, cache_dir, include_dirs,
                                        target)
    if isinstance(image, str):
        with open(image, "rb") as f:
            return f.read()
    return image


@public("PyGPU.compiler")
class SourceModule:
    """Compile CUDA C++ source for the active backend and load it, as ``pycuda.compiler.SourceModule``.

    Parameters
    ----------
    source, nvcc, options, keep, no_extern_c, arch, code, cache_dir, include_dirs
        As :func:`compile` (with ``target="cubin"``).

    Attributes
    ----------
    module : PyGPU.driver.Module
        The loaded module.

    Raises
    ------
    PyGPU.CompileError
        When the compiler fails.

    Examples
    --------
    >>> import numpy as np, PyGPU.driver as cuda
    >>> from PyGPU.compiler import SourceModule
    >>> mod = SourceModule("__global__ void add1(int* p) { p[threadIdx.x] += 1; }")
    >>> a = np.arange(3, dtype=np.int32)
    >>> mod.get_function("add1")(cuda.InOut(a), block=(3, 1, 1))
    >>> a.tolist()
    [1, 2, 3]
    """

    def __init__(self, source: str, nvcc: str = "nvcc", options: Sequence[str] | None = None, keep: bool = False,
                 no_extern_c: bool = False, arch: str | None = None, code: str | None = None,
                 cache_dir: str | bool | None = None, include_dirs: Sequence[str] = ()) -> None:
        image, _backend, wrapped = _compile(source, options, keep, no_extern_c, arch, code, cache_dir, include_dirs,
                                           "cubin")
        self.module: Module = module_from_file(image) if isinstance(image, str) else module_from_buffer(image)
        self.module._parameters = _parameters(wrapped)
        self.source = source

    def get_function(self, name: str) -> Function:
        """The kernel `name`: :meth:`PyGPU.driver.Module.get_function`.

        Examples
        --------
        >>> from PyGPU.compiler import SourceModule
        >>> SourceModule("__global__ void k() {}").get_function("k").name
        'k'
        """
        return self.module.get_function(name)

    def get_global(self, name: str) -> tuple[ModuleGlobal, int]:
        """The global `name`: :meth:`PyGPU.driver.Module.get_global`, ``(pointer, size)``.

        Examples
        --------
        >>> from PyGPU.compiler import SourceModule
        >>> SourceModule("__device__ double x[2];").get_global("x")[1]
        16
        """
        return self.module.get_global(name)

    def get_texref(self, name: str) -> NoReturn:
        """Not offered (texture references are not in the runtime API layer): NotOfferedError.

        Examples
        --------
        >>> import PyGPU.driver as cuda
        >>> from PyGPU.compiler import SourceModule
        >>> try:
        ...     SourceModule("__global__ void k() {}").get_texref("t")
        ... except cuda.NotOfferedError:
        ...     print("not offered")
        not offered
        """
        self.module.get_texref(name)  # raises
        raise AssertionError("unreachable")

    get_surfref = get_texref


def _parameters(source: str) -> dict[str, list[tuple[str, str]]]:
    """Each kernel's parameters as the source spells them (empty when the source cannot be scanned)."""
    try:
        t = _translate.Translator()
        t.add("source.cu", source)
        return t.parameters()
    except Exception:  # the names only improve messages: a source the scanner cannot read still loads
        return {}


def _not_offered(name: str) -> Any:
    class NotOffered:
        __doc__ = f"""``pycuda.compiler.{name}``: not offered (it links with nvcc and the driver's linker).

        Examples
        --------
        >>> import PyGPU.driver as cuda, PyGPU.compiler
        >>> try:
        ...     PyGPU.compiler.{name}()
        ... except cuda.NotOfferedError as e:
        ...     print(str(e).split(" (")[0])
        pycuda.compiler.{name} is not offered by PyGPU.compiler
        """

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise NotOfferedError(f"pycuda.compiler.{name} is not offered by PyGPU.compiler (it links several "
                                  "sources with nvcc and the CUDA driver's linker); compile one source with "
                                  "SourceModule, see the compatibility table in docs/gpuarray.md")

    NotOffered.__name__ = NotOffered.__qualname__ = name
    return NotOffered


DynamicModule = _not_offered("DynamicModule")
DynamicSourceModule = _not_offered("DynamicSourceModule")
