"""Element conversions for pointer wrappers: numpy's rules, plus the checks a
plain cast skips (an out-of-range int is an OverflowError, a float written to
an integer or a complex to a real type is a TypeError)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt


def from_bytes(raw: bytes, dtype: npt.DTypeLike) -> np.generic:
    """The numpy scalar of `dtype` stored in the first element of `raw`."""
    value: np.generic = np.frombuffer(raw, dtype=dtype)[0]
    return value


def to_bytes(value: Any, dtype: npt.DTypeLike) -> bytes:
    """`value` as the bytes of one `dtype` element, by numpy's rules plus the checks a cast skips."""
    target = np.dtype(dtype)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and target.kind in "iu":
        _check_int_range(int(value), target)  # before numpy: ints past 64 bits become objects there
    source = np.asarray(value)
    if source.ndim != 0:
        raise TypeError(f"expected a scalar for a {target} element, got an array of shape {source.shape}")
    kind = source.dtype.kind
    if kind not in "biufc":
        raise TypeError(f"cannot store a {type(value).__name__} in a {target} element")
    if kind in "fc" and target.kind in "iub":
        raise TypeError(f"cannot store {value!r} in a {target} element without losing its fraction")
    if kind == "c" and target.kind == "f":
        raise TypeError(f"cannot store the complex {value!r} in a {target} element")
    if kind in "iu" and target.kind in "iu":
        _check_int_range(int(source), target)
    return np.asarray(source, dtype=target).tobytes()


def _check_int_range(value: int, target: np.dtype[Any]) -> None:
    info = np.iinfo(target)
    if not info.min <= value <= info.max:
        raise OverflowError(f"{value} is out of range for {target} ({info.min} to {info.max})")
