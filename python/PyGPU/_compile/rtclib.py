"""One driver, over ctypes, for NVRTC and hiprtc: hiprtc copies NVRTC's C API name for name (``nvrtc*`` ->
``hiprtc*``), so a :class:`RtcLibrary` is the library and its prefix, and :func:`RtcLibrary.compile` runs a
program: create, add the name expressions, compile, read the log, the code and the lowered names, destroy.

Where the library is found and which options name the architecture is each compiler's own module
(:mod:`.nvrtc`, :mod:`.hiprtc`).
"""

from __future__ import annotations

import ctypes
import glob
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from PyGPU._errors import CompileError

__all__ = ["RtcLibrary", "RtcMissingError", "find_library", "include_options", "load_first"]


def include_options() -> list[str]:
    """``-I`` of the headers kernels include from PyGPU (``<pycuda-complex.hpp>``), last on the command line."""
    from PyGPU._paths import pycuda_include_dir

    return [f"-I{pycuda_include_dir()}"]


class RtcMissingError(CompileError):
    """The runtime compiler's library is not installed (the message says which package gives it)."""


def _version_key(path: str) -> tuple[int, ...]:
    """``libnvrtc.so.12.4`` -> (12, 4): the newest soname first when several are there."""
    tail = os.path.basename(path).split(".so", 1)[1]
    return tuple(int(p) for p in re.findall(r"\d+", tail))


def _in_dir(directory: str, stem: str) -> list[str]:
    """The libraries ``<stem>.so*`` in `directory`, newest soname first (not ``<stem>-builtins``)."""
    found = [p for p in glob.glob(os.path.join(directory, f"{stem}.so*")) if os.path.isfile(p)]
    return sorted(found, key=_version_key, reverse=True)


def _ldconfig(stem: str) -> list[str]:
    """What the dynamic loader's cache lists for ``<stem>.so*``."""
    for ldconfig in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        paths = re.findall(rf"\s{re.escape(stem)}\.so[\d.]*\s.*=>\s*(\S+)", out)
        return sorted({p for p in paths if os.path.isfile(p)}, key=_version_key, reverse=True)
    return []


def find_library(stem: str, override_var: str, dirs: Sequence[str]) -> tuple[list[str], list[str]]:
    """Candidate paths of ``<stem>.so*``: from ``$override_var`` only (a file or a directory) when it is set,
    else in `dirs` and the loader's cache; with the places looked at, for the error message."""
    override = os.environ.get(override_var)
    if override:
        if os.path.isfile(override):
            return [override], [override]
        return _in_dir(override, stem), [f"{override_var}={override}"]
    found: list[str] = []
    for d in dirs:
        found += _in_dir(d, stem)
    found += _ldconfig(stem)
    return list(dict.fromkeys(found)), [*dirs, "ldconfig -p"]


_Program = ctypes.c_void_p


@dataclass
class RtcLibrary:
    """A loaded NVRTC or hiprtc: `prefix` is ``"nvrtc"`` or ``"hiprtc"``."""

    path: str
    prefix: str

    def __post_init__(self) -> None:
        self.lib = ctypes.CDLL(self.path)
        self._fn("GetErrorString").restype = ctypes.c_char_p  # (attribute access keeps the function object)
        self._fn("GetErrorString").argtypes = [ctypes.c_int]
        major, minor = ctypes.c_int(), ctypes.c_int()
        self._call("Version", ctypes.byref(major), ctypes.byref(minor))
        self.version = (major.value, minor.value)

    def _fn(self, name: str) -> ctypes._CFuncPtr:  # type: ignore[name-defined]
        return getattr(self.lib, f"{self.prefix}{name}")

    def _call(self, name: str, *args: object, log: str = "", options: Sequence[str] = ()) -> None:
        code = int(self._fn(name)(*args))
        if code != 0:
            text = self.error_string(code)
            detail = f":\n{log}" if log else ""
            raise CompileError(f"{self.prefix}{name} failed: {text}{detail}", log=log, returncode=code,
                               options=options)

    def error_string(self, code: int) -> str:
        """The library's name for a result code."""
        what = self._fn("GetErrorString")(code)
        return what.decode("utf-8", "replace") if isinstance(what, bytes) else f"error {code}"

    def _read(self, program: _Program, what: str, options: Sequence[str], log: str = "") -> bytes:
        size = ctypes.c_size_t()
        self._call(f"Get{what}Size", program, ctypes.byref(size), log=log, options=options)
        buf = ctypes.create_string_buffer(size.value)
        self._call(f"Get{what}", program, buf, log=log, options=options)
        return buf.raw[: size.value]

    def compile(self, source: str, name: str, options: Sequence[str], code: str,
                name_expressions: Sequence[str]) -> tuple[bytes, dict[str, str], str]:
        """Compiles `source` (called `name` in the log); `code` is what to read (``"PTX"``, ``"CUBIN"``,
        ``"Code"``). Returns the code, name expression -> lowered name, and the log (warnings)."""
        program = _Program()
        opts = [o.encode("utf-8") for o in options]
        self._call("CreateProgram", ctypes.byref(program), source.encode("utf-8"), name.encode("utf-8"), 0,
                   None, None, options=options)
        try:
            for expr in name_expressions:
                self._call("AddNameExpression", program, expr.encode("utf-8"), options=options)
            argv = (ctypes.c_char_p * max(len(opts), 1))(*opts)
            result = int(self._fn("CompileProgram")(program, len(opts), argv))
            log = self._read(program, "ProgramLog", options).rstrip(b"\0").decode("utf-8", "replace")
            if result != 0:
                raise CompileError(f"{self.prefix} failed ({self.error_string(result)}) with options "
                                   f"{list(options)}:\n{log}", log=log, returncode=result, options=options)
            image = self._read(program, code, options, log)
            if code == "PTX":
                image = image.rstrip(b"\0")
            lowered: dict[str, str] = {}
            for expr in name_expressions:
                out = ctypes.c_char_p()
                self._call("GetLoweredName", program, expr.encode("utf-8"), ctypes.byref(out), log=log,
                           options=options)
                lowered[expr] = (out.value or b"").decode("utf-8")
            return image, lowered, log
        finally:
            self._fn("DestroyProgram")(ctypes.byref(program))


def _try_load(path: str, prefix: str) -> RtcLibrary | str:
    """The library at `path`, or why it cannot be loaded."""
    try:
        return RtcLibrary(path, prefix)
    except (OSError, AttributeError) as e:
        return f"{path}: {e}"


def load_first(candidates: Sequence[str], looked: Sequence[str], prefix: str, what: str, hint: str) -> RtcLibrary:
    """The first of `candidates` that loads as `prefix`'s library; else RtcMissingError saying `what` was not
    found, where it was looked for (or why each candidate failed), and `hint`."""
    errors = []
    for path in candidates:
        lib = _try_load(path, prefix)
        if isinstance(lib, RtcLibrary):
            return lib
        errors.append(lib)
    tried = "; ".join(errors) if errors else f"looked in {', '.join(looked)}"
    raise RtcMissingError(f"{what} was not found ({tried}); {hint}")
