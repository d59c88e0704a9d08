"""Kernel arguments as PyCUDA takes them: the bytes of each argument of a call, and prepare()'s formats.

:func:`call_arguments` is PyCUDA's ``_build_arg_buf``: numpy scalars and structured scalars give their bytes, a
numpy array its contents (a managed array, whose ``base`` is its ManagedAllocation, its address), device
memory (DeviceAllocation, GPUArray, ``__cuda_array_interface__``,
``get_pointer()`` holders, ``pointer_wrapper_<dtype>``, ``DeviceArray_<dtype>``) its address, an
``In``/``Out``/``InOut`` its device copy's address; anything else (a Python int or float) is PyCUDA's
TypeError. :class:`Packer` is what ``prepare`` computes once: a ``struct.Struct`` for the format and each
argument's offset and size in the packed buffer (the layout the launch's fast path takes).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core as _g
from ._launch_args import ArgumentHandler
from ._managed import ManagedAllocation
from ._memory import DeviceAllocation

_ADDRESS = struct.Struct("P")
_POINTER_TYPES = tuple(getattr(_g, n) for n in dir(_g) if n.startswith("pointer_wrapper_"))
_DEVICE_ARRAY_TYPES = tuple(getattr(_g, n) for n in dir(_g) if n.startswith("DeviceArray_"))
_ITEM_RE = re.compile(r"\s*(\d*)\s*([xcbB?hHiIlLqQnNefdspPFD])")
_COMPLEX = {"F": "f", "D": "d"}


def address(arg: object) -> int | None:
    """The device address `arg` stands for as a kernel argument, or None when it is not device memory."""
    if isinstance(arg, DeviceAllocation):
        return int(arg)
    if isinstance(arg, _POINTER_TYPES):
        return int(arg)
    if isinstance(arg, _DEVICE_ARRAY_TYPES):
        return int(arg.device_data())
    cai = getattr(arg, "__cuda_array_interface__", None)
    if cai:
        return int(cai["data"][0])
    gpudata = getattr(arg, "gpudata", None)
    if gpudata is not None:
        return int(gpudata)
    get_pointer = getattr(arg, "get_pointer", None)
    if callable(get_pointer):
        return int(get_pointer())
    return None


def call_arguments(args: Sequence[object]) -> tuple[list[ArgumentHandler], list[bytes | np.generic]]:
    """``(handlers, pieces)``: the In/Out/InOut among `args` and each argument's bytes, as PyCUDA builds them."""
    handlers: list[ArgumentHandler] = []
    pieces: list[bytes | np.generic] = []
    for i, arg in enumerate(args):
        if isinstance(arg, (np.number, np.bool_)):
            pieces.append(arg)
        elif isinstance(arg, ArgumentHandler):
            handlers.append(arg)
            pieces.append(_ADDRESS.pack(int(arg.get_device_alloc())))
        elif isinstance(arg, np.ndarray) and isinstance(arg.base, ManagedAllocation):
            pieces.append(_ADDRESS.pack(int(arg.base)))  # a managed array: its memory, as PyCUDA passes it
        elif isinstance(arg, np.ndarray):
            pieces.append(np.ascontiguousarray(arg).tobytes())
        elif isinstance(arg, np.void):
            pieces.append(arg.tobytes())
        else:
            where = address(arg) if not isinstance(arg, (int, float, complex, str, bytes)) else None
            if where is None:
                raise TypeError(f"invalid type on parameter #{i} (0-based)")
            pieces.append(_ADDRESS.pack(where))
    return handlers, pieces


def format_of(arg_types: Sequence[Any] | str) -> str:
    """PyCUDA's ``prepare`` format: numpy scalar types and dtypes by their character, structured dtypes as
    ``"<n>s"``, strings as they are, anything else (a pointer) as ``np.uintp``'s character."""
    if isinstance(arg_types, str):
        return arg_types
    out = ""
    for t in arg_types:
        if isinstance(t, type) and issubclass(t, np.number):
            out += np.dtype(t).char
        elif isinstance(t, np.dtype):
            out += f"{t.itemsize}s" if t.char == "V" else t.char
        elif isinstance(t, str):
            out += t
        else:
            out += np.dtype(np.uintp).char
    return out


class Packer:
    """A prepared format: packs a call's arguments into one buffer, with each argument's offset and size.

    Parameters
    ----------
    fmt : str
        A ``struct`` format of native layout (PyCUDA's ``"PiiP"``); ``F``/``D`` are complex64/complex128.
    """

    def __init__(self, fmt: str) -> None:
        items: list[str] = []
        pos = 0
        text = fmt.strip()
        while pos < len(text):
            m = _ITEM_RE.match(text, pos)
            if m is None:
                raise ValueError(f"invalid argument format {fmt!r} at {text[pos:]!r} (a struct format, e.g. 'PiiP')")
            count, code = m.groups()
            pos = m.end()
            if code in "sp":
                items.append(f"{count or 1}{code}")
            elif code != "x":
                items.extend([code] * int(count or 1))
        self.format = fmt
        self.codes = items
        self.complex = any(c in _COMPLEX for c in items)
        native = "".join(f"2{_COMPLEX[c]}" if c in _COMPLEX else c for c in items)
        self.struct = struct.Struct(native)
        offsets, sizes = [], []
        prefix = ""
        for c in items:
            one = f"2{_COMPLEX[c]}" if c in _COMPLEX else c
            size = struct.calcsize(one)
            offsets.append(struct.calcsize(prefix + one) - size)
            sizes.append(size)
            prefix += one
        self.offsets, self.sizes = offsets, sizes
        self.layout = struct.pack(f"{2 * len(items)}Q", *offsets, *sizes)

    def pack(self, args: Sequence[Any]) -> bytes:
        """The buffer for `args` (device memory objects in a ``P`` slot give their address)."""
        if len(args) != len(self.codes):
            raise TypeError(f"the prepared format {self.format!r} takes {len(self.codes)} arguments, "
                            f"{len(args)} were given")
        values: list[Any] = []
        for c, a in zip(self.codes, args):
            if c in _COMPLEX:
                z = complex(a)
                values += [z.real, z.imag]
            elif c == "P" and not isinstance(a, int):
                where = address(a)
                values.append(where if where is not None else a)
            elif c.endswith("s") and not isinstance(a, (bytes, bytearray)):
                values.append(a.tobytes() if hasattr(a, "tobytes") else a)
            else:
                values.append(a)
        try:
            return self.struct.pack(*values)
        except struct.error as e:
            raise TypeError(f"arguments do not match the prepared format {self.format!r}: {e}") from None
