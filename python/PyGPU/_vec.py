"""``gpuarray.vec``: CUDA's vector types (``float3``, ``int2``...) as numpy structured dtypes, as PyCUDA's.

Each type is a dtype of fields ``x``, ``y``, ``z``, ``w`` of its element type, registered with
:func:`PyGPU.tools.get_or_register_dtype` under its CUDA name, so ``dtype_to_ctype`` writes ``float3`` and a kernel
signature ``"float3 *a, float4 b"`` parses. The item sizes are CUDA's (``vector_types.h``: n elements, no padding);
CUDA's larger alignments (8 for ``float2``, 16 for ``float4``/``double2``) have no numpy equivalent and need none:
device allocations are 256-byte aligned, and every kernel argument travels on its own.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from .tools import get_or_register_dtype

__all__ = ["vec"]

_FIELDS = ("x", "y", "z", "w")

#: (CUDA base name, element dtype, component counts): PyCUDA's list (``long`` is 64-bit, as on 64-bit Linux).
TABLE: tuple[tuple[str, type[np.generic], tuple[int, ...]], ...] = (
    ("char", np.int8, (1, 2, 3, 4)),
    ("uchar", np.uint8, (1, 2, 3, 4)),
    ("short", np.int16, (1, 2, 3, 4)),
    ("ushort", np.uint16, (1, 2, 3, 4)),
    ("int", np.int32, (1, 2, 3, 4)),
    ("uint", np.uint32, (1, 2, 3, 4)),
    ("long", np.int64, (1, 2, 3, 4)),
    ("ulong", np.uint64, (1, 2, 3, 4)),
    ("longlong", np.int64, (1, 2)),
    ("ulonglong", np.uint64, (1, 2)),
    ("float", np.float32, (1, 2, 3, 4)),
    ("double", np.float64, (1, 2)),
)


def _maker(name: str, dtype: np.dtype[Any], count: int) -> Callable[..., np.ndarray[Any, Any]]:
    """``make_<name>(x, y, ...)``: a 0-d array of `dtype` (PyCUDA's ``array((x, y...), dtype)``)."""

    def make(*components: Any) -> np.ndarray[Any, Any]:
        if len(components) != count:
            raise TypeError(f"make_{name}() takes {count} components ({', '.join(_FIELDS[:count])}), "
                            f"{len(components)} given")
        return np.array(tuple(components), dtype=dtype)

    make.__name__ = f"make_{name}"
    make.__qualname__ = f"vec.make_{name}"
    make.__module__ = "PyGPU.gpuarray"
    args = ", ".join(str(k + 1) for k in range(count))
    make.__doc__ = f"""A 0-d array of ``vec.{name}`` from its {count} component(s) ({', '.join(_FIELDS[:count])}).

    Examples
    --------
    >>> import PyGPU as gpuarray
    >>> gpuarray.vec.make_{name}({args}).dtype == gpuarray.vec.{name}
    True
    """
    return make


class vec:  # PyCUDA's name
    """CUDA's vector types as numpy dtypes (``vec.float3``) and their constructors (``vec.make_float3``).

    Examples
    --------
    >>> import numpy as np, PyGPU as gpuarray
    >>> from PyGPU.tools import dtype_to_ctype
    >>> gpuarray.vec.float3.itemsize, dtype_to_ctype(gpuarray.vec.float3)
    (12, 'float3')
    >>> gpuarray.vec.make_int2(1, 2)["y"]
    array(2, dtype=int32)
    """

    #: Every vector dtype by its CUDA name.
    types: ClassVar[dict[str, np.dtype[Any]]] = {}


vec.__module__ = "PyGPU.gpuarray"  # its public home (reprs, pickles, docs)

for _base, _element, _counts in TABLE:
    for _count in _counts:
        _name = f"{_base}{_count}"
        _dtype = get_or_register_dtype(_name, np.dtype([(f, _element) for f in _FIELDS[:_count]]))
        vec.types[_name] = _dtype
        setattr(vec, _name, _dtype)
        setattr(vec, f"make_{_name}", staticmethod(_maker(_name, _dtype, _count)))
del _base, _element, _counts, _count, _name, _dtype

#: The vector dtypes, which GPUArray accepts besides PyGPU.dtypes.
DTYPES = frozenset(vec.types.values())
