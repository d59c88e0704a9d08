"""Element conversions for pointer wrappers: numpy's rules, plus the checks a
plain cast skips (an out-of-range int is an OverflowError, a float written to
an integer or a complex to a real type is a TypeError)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt


def from_bytes(raw: bytes, dtype: npt.DTypeLike) -> np.generic:
    """The numpy scalar stored in `raw`.

    Parameters
    ----------
    raw : bytes
        Whole elements of `dtype` in native byte order (at least one); only
        the first is read.
    dtype : numpy dtype or name
        The element type, e.g. ``"float32"``.

    Returns
    -------
    numpy.generic
        The first element, as a numpy scalar of `dtype`.

    Raises
    ------
    ValueError
        When the length of `raw` is not a multiple of the item size.
    IndexError
        When `raw` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU._convert import from_bytes
    >>> value = from_bytes(np.float32(2.5).tobytes(), "float32")
    >>> type(value).__name__, float(value)
    ('float32', 2.5)
    """
    value: np.generic = np.frombuffer(raw, dtype=dtype)[0]
    return value


def to_bytes(value: Any, dtype: npt.DTypeLike) -> bytes:
    """`value` as the bytes of one `dtype` element.

    Parameters
    ----------
    value : int, float, complex, bool or numpy scalar
        The value to store; a 0-d array is accepted as a scalar.
    dtype : numpy dtype or name
        The element type it is stored as.

    Returns
    -------
    bytes
        ``dtype.itemsize`` bytes in native byte order.

    Raises
    ------
    OverflowError
        For an integer outside the range of an integer `dtype`.
    TypeError
        For an array, a non-numeric value, a float or complex stored in an
        integer or bool `dtype`, or a complex stored in a real `dtype`.

    Notes
    -----
    A plain numpy cast would wrap an out-of-range int or drop a fraction
    silently; a pointer wrapper's element assignment refuses both.

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU._convert import to_bytes
    >>> to_bytes(7, "int16") == np.int16(7).tobytes()
    True
    >>> len(to_bytes(1.5, "float64"))
    8
    >>> to_bytes(300, "uint8")
    Traceback (most recent call last):
    ...
    OverflowError: 300 is out of range for uint8 (0 to 255)
    >>> to_bytes(1.5, "int32")
    Traceback (most recent call last):
    ...
    TypeError: cannot store 1.5 in a int32 element without losing its fraction
    """
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
