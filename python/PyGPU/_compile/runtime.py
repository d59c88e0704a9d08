"""Runtime compilation for every backend, behind one function and the disk cache.

``compile_for(backend, source, ...)`` -> ``(image, lowered_names)``:

- ``"cuda"``: NVRTC (:mod:`.nvrtc`); the image is PTX text (bytes) for a virtual architecture
  (``compute_80``) or a CUBIN (ELF bytes) for a real one (``sm_80``), or as ``output=`` says;
- ``"hip"``: hiprtc (:mod:`.hiprtc`); the image is an AMDGPU code object (ELF bytes) for ``arch``
  (``gfx90a``);
- ``"sim"``: the simulated device's driver (:func:`PyGPU.sim.compile`, :mod:`.host`); the image is the
  *path* (str) of the shared library in the compile cache (a library is loaded from a file), and its own
  cache applies.

``lowered_names`` maps each name expression to the name the compiled image knows it by (NVRTC's and hiprtc's
Itanium-mangled name for a template instance, ``reduce<float, 256>`` -> ``_Z6reduceIfLi256EEvPKT_PS0_``).
On the simulated device a template instance is registered under that same name (``_SIM_EXPRESSION``); a
plain kernel name maps to itself (the simulator registers kernels by their own names).

The cache entry of an NVRTC or hiprtc compile is keyed by the backend, the source, the options, the name
expressions, the architecture, the output kind, the compiler's version and library, and PyGPU's version;
the headers the source includes (quoted or angled, found under ``-I`` directories, followed
transitively) are recorded with their digests, so an edited header is a miss. ``PYGPU_CACHE=0`` or
``cache=False`` switches the cache off; ``PYGPU_CACHE_DIR`` moves it (:mod:`.cache`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
from collections.abc import Sequence

from PyGPU._errors import CompileError

from . import cache as _cache
from . import rtclib

__all__ = ["BACKENDS", "compile_for"]

BACKENDS = ("cuda", "hip", "sim")
ARTIFACT = "rtc.bin"  # a JSON header line (lowered names, log), then the image's bytes
_INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*["<]([^">\n]+)[">]', re.MULTILINE)


def _include_dirs(options: Sequence[str]) -> list[str]:
    """The directories of ``-I DIR``, ``-IDIR``, ``--include-path=DIR`` in `options`."""
    dirs: list[str] = []
    it = iter(options)
    for opt in it:
        if opt in ("-I", "--include-path"):
            dirs.append(next(it, ""))
        elif opt.startswith("--include-path="):
            dirs.append(opt.split("=", 1)[1])
        elif opt.startswith("-I"):
            dirs.append(opt[2:])
    return [d for d in dirs if d]


def _header_deps(source: str, options: Sequence[str]) -> dict[str, str]:
    """The headers `source` includes that are found under its ``-I`` directories (transitively): path ->
    SHA-256."""
    dirs = _include_dirs(options)
    deps: dict[str, str] = {}
    pending = [(source, "")]
    while pending:
        text, here = pending.pop()
        for name in _INCLUDE_RE.findall(text):
            for d in ([here] if here else []) + dirs:
                path = os.path.abspath(os.path.join(d, name))
                if path in deps or not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                deps[path] = hashlib.sha256(data).hexdigest()
                pending.append((data.decode("utf-8", "replace"), os.path.dirname(path)))
                break
    return deps


def _key(parts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()


def _read_entry(path: str) -> tuple[bytes, dict[str, str]] | None:
    try:
        with open(path, "rb") as f:
            head, _, image = f.read().partition(b"\n")
        lowered = json.loads(head)["lowered"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return image, {str(k): str(v) for k, v in lowered.items()}


def _write_entry(store: _cache.Cache, key: str, image: bytes, lowered: dict[str, str], log: str,
                 deps: dict[str, str]) -> None:
    work = store.work_dir()
    try:
        tmp = os.path.join(work, ARTIFACT)
        with open(tmp, "wb") as f:
            f.write(json.dumps({"lowered": lowered, "log": log}).encode("utf-8") + b"\n" + image)
        store.store(key, tmp, ARTIFACT, deps)
    except OSError:
        pass  # a read-only or full cache is not an error: the compile succeeded
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(backend: str, source: object, options: object, name_expressions: object) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}")
    for what, value in (("options", options), ("name_expressions", name_expressions)):
        if isinstance(value, (str, bytes)) or not all(isinstance(v, str) for v in value):  # type: ignore[attr-defined]
            raise TypeError(f"{what} must be a sequence of str (['-DN=4', '-std=c++17']), not {value!r}")


# Appended to a simulated-device source per templated name expression: the instance is registered with the
# simulator under the name the dynamic linker knows it by (its Itanium-mangled name, as NVRTC lowers it), and
# an exported pointer to it lets :func:`.elf.pointer_target` read that name from the library without loading it.
_SIM_LOWERED = """
#include <dlfcn.h>
static const char* pygpu_sim_lowered_name(const void* f) {
    Dl_info info;
    return ::dladdr(f, &info) != 0 && info.dli_sname != nullptr ? info.dli_sname : "";
}
"""
_SIM_EXPRESSION = """
static const bool pygpu_sim_name_expression_registered_{i} [[maybe_unused]] =
    ::pygpu_sim_k::register_kernel<&{expr}, {fibers}>(pygpu_sim_lowered_name(reinterpret_cast<const void*>(&{expr})));
extern "C" __attribute__((visibility("default"), used)) const void* const pygpu_sim_name_expression_{i} =
    reinterpret_cast<const void*>(&{expr});
"""


def _sim(source: str, options: Sequence[str], name_expressions: Sequence[str],
         cache: bool) -> tuple[str, dict[str, str]]:
    from PyGPU import sim

    from . import elf
    from . import translate as _translate

    templated = [e for e in dict.fromkeys(name_expressions) if not re.fullmatch(r"\s*[A-Za-z_]\w*\s*", e)]
    text = source
    if templated:
        t = _translate.Translator()
        t.add("source.cu", source)
        fibers = t.kernels()
        text += _SIM_LOWERED
        for i, expr in enumerate(templated):
            base = expr.split("<", 1)[0].split("::")[-1].strip()
            text += _SIM_EXPRESSION.format(i=i, expr=expr.strip(), fibers=str(fibers.get(base, True)).lower())
    path = sim.compile(text, options=list(options), cache=cache)
    lowered = {e: e.strip() for e in name_expressions}
    if templated:
        with open(path, "rb") as f:
            image = f.read()
        for i, expr in enumerate(templated):
            name = elf.pointer_target(image, f"pygpu_sim_name_expression_{i}")
            if name is None:
                raise CompileError(f"the lowered name of {expr!r} cannot be read from {path}")
            lowered[expr] = name
    return path, lowered


def compile_for(backend: str, source: str, options: Sequence[str] = (), arch: str | None = None,
                name_expressions: Sequence[str] = (), cache: bool = True, output: str | None = None,
                name: str | None = None) -> tuple[bytes | str, dict[str, str]]:
    """Compiles `source` for `backend` (``"cuda"``, ``"hip"``, ``"sim"``); ``(image, lowered_names)``.

    `arch` is required for CUDA (``sm_80`` -> CUBIN, ``compute_80`` -> PTX; `output` ``"ptx"``/``"cubin"``
    overrides) and HIP (``gfx90a``); the simulated device ignores it. `name` is the source's name in the
    compiler's log (``kernel.cu`` / ``kernel.hip``; the simulated device's driver names it
    ``pygpu_source_<digest>.cu``). CompileError on failure, with the log and the options;
    a missing NVRTC or hiprtc is a CompileError naming the package to install.
    """
    _check(backend, source, options, name_expressions)
    opts, exprs = list(options), list(name_expressions)
    if backend == "sim":
        return _sim(source, opts, exprs, cache)
    if arch is None:
        example = "'sm_80' or 'compute_80'" if backend == "cuda" else "'gfx90a'"
        raise ValueError(f"arch is required to compile for {backend} (e.g. {example})")
    if backend == "cuda":
        from . import nvrtc

        kind = output or ("ptx" if str(arch).startswith("compute_") else "cubin")
        target = nvrtc.target_options(arch, kind)  # checks arch and output before any work
        lib = nvrtc.library()
        run = functools.partial(nvrtc.compile, source, arch, opts, exprs, kind, name or "kernel.cu")
    else:
        from . import hiprtc

        if output not in (None, "code_object"):
            raise ValueError(f"output must be 'code_object' for hiprtc, got {output!r}")
        kind = "code_object"
        target = hiprtc.target_options(arch)
        lib = hiprtc.library()
        run = functools.partial(hiprtc.compile, source, arch, opts, exprs, name or "kernel.hip")
    store = _cache.Cache() if cache and _cache.cache_enabled() else None
    key = ""
    if store is not None:
        from PyGPU import _core

        key = _key(["rtc 1", backend, kind, *target, f"{lib.prefix} {lib.version}", os.path.realpath(lib.path),
                    f"PyGPU {_core.__version__}", json.dumps(opts), json.dumps(exprs), name or "", source])
        hit = store.lookup(key, ARTIFACT)
        entry = _read_entry(hit) if hit is not None else None
        if entry is not None:
            return entry
    image, lowered, log = run()
    if store is not None:
        _write_entry(store, key, image, lowered, log, _header_deps(source, [*opts, *rtclib.include_options()]))
    return image, lowered
