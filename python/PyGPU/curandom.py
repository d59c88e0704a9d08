"""PyGPU.curandom: PyCUDA's ``pycuda.curandom`` names over PyGPU's own counter-based generator.

``rand(shape, dtype)`` and the generator classes ``XORWOWRandomNumberGenerator`` and
``MRG32k3aRandomNumberGenerator`` (``gen_uniform``, ``gen_normal``, ``gen_log_normal``, ``gen_poisson``,
``fill_uniform``, ``fill_normal``, ``fill_log_normal``, ``fill_poisson``, ``call_skip_ahead``) have PyCUDA's
signatures, but the numbers are not cuRAND's: every generator here is Philox4x32-10 (Salmon et al., SC'11,
with Random123's constants), written in CUDA C (``_kernels/curandom.cu``) and compiled by the module API on
every backend. Each element's value depends only on the seed, the generator's counter and the element's
index, so the same seed gives the same numbers on CUDA, HIP and the simulated device, for any launch
configuration. The two class names are
kept so that PyCUDA code runs; both make the same Philox stream (docs/random.md).

Examples
--------
>>> import numpy as np
>>> from PyGPU import curandom
>>> x = curandom.rand((2, 3)).get()
>>> x.shape, x.dtype, bool(((0 <= x) & (x < 1)).all())
((2, 3), dtype('float32'), True)
"""

from __future__ import annotations

import numbers
import operator
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _philox
from ._public import public

if TYPE_CHECKING:
    import numpy.typing as npt

    from ._stream import StreamLike
    from .gpuarray import GPUArray, ShapeLike

__all__ = ["MRG32k3aRandomNumberGenerator", "XORWOWRandomNumberGenerator", "rand", "seed_getter_uniform",
           "seed_getter_unique"]

SeedGetter = Callable[[int], "GPUArray"]


def _allocate(shape: ShapeLike, dtype: np.dtype[Any]) -> GPUArray:
    from .gpuarray import GPUArray

    return GPUArray(shape, dtype)


@public("PyGPU.curandom")
def rand(shape: ShapeLike, dtype: npt.DTypeLike = np.float32, stream: StreamLike = None) -> GPUArray:
    """A new array of uniform random numbers, as ``pycuda.curandom.rand``.

    Floats are in [0, 1) (float32 from 24 random bits, float64 from 53); int32 and uint32 take all 32 bits.
    The seed is drawn from numpy's global generator (``np.random.randint``, as PyCUDA draws it), so
    ``np.random.seed`` makes a program's calls repeat.

    Parameters
    ----------
    shape : int or tuple of int
    dtype : float32, float64, int32 or uint32
    stream : Stream, optional
        The kernel is queued on it (None: the legacy default stream).

    Returns
    -------
    GPUArray

    Raises
    ------
    NotImplementedError
        For another dtype (as PyCUDA).

    Examples
    --------
    >>> import numpy as np
    >>> from PyGPU.curandom import rand
    >>> np.random.seed(7)
    >>> a = rand(5, np.float64).get()
    >>> np.random.seed(7)
    >>> bool((rand(5, np.float64).get() == a).all())
    True
    """
    dt = _philox.check_dtype("uniform", dtype, "rand")
    seed = int(np.random.randint(2**31 - 1))
    result = _allocate(shape, dt)
    _philox.fill("uniform", result, (seed, 0), 0, stream, "rand")
    return result


@public("PyGPU.curandom")
def seed_getter_uniform(n: int) -> GPUArray:
    """`n` int32 seeds, all the same random value (as PyCUDA's).

    Examples
    --------
    >>> from PyGPU.curandom import seed_getter_uniform
    >>> s = seed_getter_uniform(2).get()
    >>> s.dtype.name, s.size, bool(s[0] == s[1])
    ('int32', 2, True)
    """
    from .gpuarray import GPUArray

    result = GPUArray((n,), np.int32)
    return result.fill(random.randint(0, 2**31 - 1))


@public("PyGPU.curandom")
def seed_getter_unique(n: int) -> GPUArray:
    """`n` int32 seeds drawn independently from numpy's global generator (as PyCUDA's).

    Examples
    --------
    >>> from PyGPU.curandom import seed_getter_unique
    >>> s = seed_getter_unique(2).get()
    >>> s.dtype.name, s.size
    ('int32', 2)
    """
    from .gpuarray import to_gpu

    return to_gpu(np.random.randint(0, 2**31 - 1, n).astype(np.int32))


def _poisson_mean(lambda_value: float, method: str) -> float:
    """`lambda_value` as a float; TypeError for a non-number, ValueError outside [0, 2**31)."""
    if not isinstance(lambda_value, numbers.Real):
        raise TypeError(f"{method}: lambda_value must be a real number, got {type(lambda_value).__name__}")
    lam = float(lambda_value)
    if not 0.0 <= lam < 2.0**31:
        raise ValueError(f"{method}: lambda_value must be in [0, 2**31), got {lambda_value!r}")
    return lam


class _PhiloxGenerator:
    """PyCUDA's random number generator interface over Philox4x32-10.

    The key is the two int32 seeds `seed_getter(2)` returns; the counter starts at `offset` and each call
    moves it past the 128-bit blocks it used (a float32 or 32-bit integer array of n elements uses
    ceil(n / 4), a float64 one ceil(n / 2), a Poisson one n), so successive calls give new numbers and a generator made
    with the same seeds and offset repeats them.
    """

    #: How many int32 seeds the generator asks `seed_getter` for: they are Philox's 64-bit key.
    seed_count = 2

    def __init__(self, seed_getter: SeedGetter | None = None, offset: int = 0) -> None:
        from .gpuarray import GPUArray

        offset = operator.index(offset)
        if not 0 <= offset < _philox.UINT64:
            raise ValueError(f"offset must be in [0, 2**64), got {offset}")
        seed = seed_getter_unique(self.seed_count) if seed_getter is None else seed_getter(self.seed_count)
        if not (isinstance(seed, GPUArray) and seed.dtype == np.int32 and seed.size == self.seed_count):
            raise TypeError("seed must be GPUArray of integers of right length")
        k0, k1 = (int(s) & 0xFFFFFFFF for s in seed.get().ravel())
        self._key = (k0, k1)
        self._counter = offset

    @property
    def counter(self) -> int:
        """The Philox counter the next call starts at (`offset`, moved on by every call)."""
        return self._counter

    def _fill(self, distribution: str, data: GPUArray, stream: StreamLike, method: str, mean: float = 0.0,
              sigma: float = 1.0) -> None:
        used = _philox.fill(distribution, data, self._key, self._counter, stream, method, mean, sigma)
        self._counter = (self._counter + used) % _philox.UINT64

    def _gen(self, distribution: str, shape: ShapeLike, dtype: npt.DTypeLike, stream: StreamLike, method: str,
             mean: float = 0.0, sigma: float = 1.0) -> GPUArray:
        result = _allocate(shape, _philox.check_dtype(distribution, dtype, method))
        self._fill(distribution, result, stream, method, mean, sigma)
        return result

    def fill_uniform(self, data: GPUArray, stream: StreamLike = None) -> None:
        """Fill `data` with uniform numbers: floats in [0, 1), int32/uint32 with all 32 bits random.

        Parameters
        ----------
        data : GPUArray
            Contiguous; float32, float64, int32 or uint32 (another dtype: NotImplementedError, as PyCUDA).
        stream : Stream, optional

        Examples
        --------
        >>> import numpy as np, PyGPU.gpuarray as gpuarray
        >>> from PyGPU.curandom import XORWOWRandomNumberGenerator
        >>> a = gpuarray.empty(4, np.uint32)
        >>> XORWOWRandomNumberGenerator().fill_uniform(a)
        >>> a.get().dtype.name
        'uint32'
        """
        self._fill("uniform", data, stream, "fill_uniform")

    def fill_normal(self, data: GPUArray, stream: StreamLike = None) -> None:
        """Fill `data` with standard normal numbers (Box-Muller).

        Parameters
        ----------
        data : GPUArray
            Contiguous, float32 or float64.
        stream : Stream, optional

        Examples
        --------
        >>> import numpy as np, PyGPU.gpuarray as gpuarray
        >>> from PyGPU.curandom import XORWOWRandomNumberGenerator
        >>> a = gpuarray.empty(1000, np.float64)
        >>> XORWOWRandomNumberGenerator().fill_normal(a)
        >>> bool(abs(a.get().mean()) < 0.2)
        True
        """
        self._fill("normal", data, stream, "fill_normal")

    def fill_log_normal(self, data: GPUArray, mean: float, stddev: float, stream: StreamLike = None) -> None:
        """Fill `data` with log-normal numbers: ``exp(mean + stddev * z)`` for standard normal z.

        Parameters
        ----------
        data : GPUArray
            Contiguous, float32 or float64.
        mean, stddev : float
            Of the normal distribution whose exponential is drawn.
        stream : Stream, optional

        Examples
        --------
        >>> import numpy as np, PyGPU.gpuarray as gpuarray
        >>> from PyGPU.curandom import XORWOWRandomNumberGenerator
        >>> a = gpuarray.empty(8, np.float32)
        >>> XORWOWRandomNumberGenerator().fill_log_normal(a, 0.0, 1.0)
        >>> bool((a.get() > 0).all())
        True
        """
        self._fill("log_normal", data, stream, "fill_log_normal", mean, stddev)

    def gen_uniform(self, shape: ShapeLike, dtype: npt.DTypeLike, stream: StreamLike = None) -> GPUArray:
        """A new array filled by :meth:`fill_uniform`.

        Examples
        --------
        >>> import numpy as np
        >>> from PyGPU.curandom import MRG32k3aRandomNumberGenerator
        >>> x = MRG32k3aRandomNumberGenerator().gen_uniform((3,), np.float32).get()
        >>> bool(((0 <= x) & (x < 1)).all())
        True
        """
        return self._gen("uniform", shape, dtype, stream, "gen_uniform")

    def gen_normal(self, shape: ShapeLike, dtype: npt.DTypeLike, stream: StreamLike = None) -> GPUArray:
        """A new array filled by :meth:`fill_normal`.

        Examples
        --------
        >>> import numpy as np
        >>> from PyGPU.curandom import MRG32k3aRandomNumberGenerator
        >>> MRG32k3aRandomNumberGenerator().gen_normal((2, 2), np.float64).shape
        (2, 2)
        """
        return self._gen("normal", shape, dtype, stream, "gen_normal")

    def gen_log_normal(self, shape: ShapeLike, dtype: npt.DTypeLike, mean: float, stddev: float,
                       stream: StreamLike = None) -> GPUArray:
        """A new array filled by :meth:`fill_log_normal`.

        Examples
        --------
        >>> import numpy as np
        >>> from PyGPU.curandom import MRG32k3aRandomNumberGenerator
        >>> MRG32k3aRandomNumberGenerator().gen_log_normal(3, np.float32, 0.0, 0.5).dtype
        dtype('float32')
        """
        return self._gen("log_normal", shape, dtype, stream, "gen_log_normal", mean, stddev)

    def fill_poisson(self, data: GPUArray, lambda_value: float | None = None, stream: StreamLike = None) -> None:
        """Fill `data` with Poisson numbers of mean `lambda_value`, or replace each element by one of its mean.

        Parameters
        ----------
        data : GPUArray
            Contiguous; uint32 with `lambda_value`; float32, float64 or uint32 without (each element is then
            the mean of its own draw; a mean <= 0 or NaN gives 0, one above 2**31 is taken as 2**31).
        lambda_value : float, optional
            The mean, in [0, 2**31).
        stream : Stream, optional

        Raises
        ------
        NotImplementedError
            For another dtype (as PyCUDA).
        ValueError
            For a mean out of range.

        Examples
        --------
        >>> import numpy as np, PyGPU.gpuarray as gpuarray
        >>> from PyGPU.curandom import XORWOWRandomNumberGenerator
        >>> means = gpuarray.to_gpu(np.array([0.0, 0.0, 1e6], np.float64))
        >>> XORWOWRandomNumberGenerator().fill_poisson(means)
        >>> counts = means.get()
        >>> counts[:2].tolist(), bool(abs(counts[2] - 1e6) < 1e4)
        ([0.0, 0.0], True)
        """
        if lambda_value is None:
            self._fill("poisson_inplace", data, stream, "fill_poisson")
            return
        self._fill("poisson", data, stream, "fill_poisson", _poisson_mean(lambda_value, "fill_poisson"))

    def gen_poisson(self, shape: ShapeLike, dtype: npt.DTypeLike, lambda_value: float,
                    stream: StreamLike = None) -> GPUArray:
        """A new array filled by :meth:`fill_poisson` with `lambda_value` (`dtype` must be uint32, as PyCUDA).

        Examples
        --------
        >>> import numpy as np
        >>> from PyGPU.curandom import MRG32k3aRandomNumberGenerator
        >>> k = MRG32k3aRandomNumberGenerator().gen_poisson(10000, np.uint32, 4.0).get()
        >>> k.dtype.name, bool(abs(k.mean() - 4.0) < 0.2)
        ('uint32', True)
        """
        return self._gen("poisson", shape, dtype, stream, "gen_poisson", _poisson_mean(lambda_value, "gen_poisson"))

    def call_skip_ahead(self, i: int, stream: StreamLike = None) -> None:
        """Move the counter `i` 128-bit blocks on (4 float32 or 2 float64 values each); `stream` is unused.

        Examples
        --------
        >>> from PyGPU.curandom import XORWOWRandomNumberGenerator
        >>> g = XORWOWRandomNumberGenerator(offset=10)
        >>> g.call_skip_ahead(5)
        >>> g.counter
        15
        """
        i = operator.index(i)
        if not 0 <= i < _philox.UINT64:
            raise ValueError(f"the skip must be in [0, 2**64), got {i}")
        self._counter = (self._counter + i) % _philox.UINT64


@public("PyGPU.curandom")
class XORWOWRandomNumberGenerator(_PhiloxGenerator):
    """PyCUDA's ``XORWOWRandomNumberGenerator`` name and methods, making PyGPU's Philox4x32-10 stream.

    Parameters
    ----------
    seed_getter : callable, optional
        Given a count, returns an int32 GPUArray of that many seeds (:func:`seed_getter_uniform`,
        :func:`seed_getter_unique`, the default); it is asked for 2, the 64-bit Philox key.
    offset : int, default 0
        The Philox counter of the first call (a skip of `offset` 128-bit blocks).

    Raises
    ------
    TypeError
        When the seed getter's result is not an int32 GPUArray of the count asked (PyCUDA's message).

    Examples
    --------
    >>> import numpy as np, PyGPU.gpuarray as gpuarray
    >>> from PyGPU.curandom import XORWOWRandomNumberGenerator
    >>> seeds = lambda n: gpuarray.to_gpu(np.full(n, 1234, np.int32))
    >>> a = XORWOWRandomNumberGenerator(seeds).gen_uniform(4, np.float32).get()
    >>> b = XORWOWRandomNumberGenerator(seeds).gen_uniform(4, np.float32).get()
    >>> bool((a == b).all())
    True
    """


@public("PyGPU.curandom")
class MRG32k3aRandomNumberGenerator(_PhiloxGenerator):
    """PyCUDA's ``MRG32k3aRandomNumberGenerator`` name and methods, making PyGPU's Philox4x32-10 stream.

    The same generator as :class:`XORWOWRandomNumberGenerator`: the same seeds and offset give the same
    numbers from either class.

    Parameters
    ----------
    seed_getter : callable, optional
        As :class:`XORWOWRandomNumberGenerator`.
    offset : int, default 0
        As :class:`XORWOWRandomNumberGenerator`.

    Examples
    --------
    >>> import numpy as np, PyGPU.gpuarray as gpuarray
    >>> from PyGPU.curandom import MRG32k3aRandomNumberGenerator, XORWOWRandomNumberGenerator
    >>> seeds = lambda n: gpuarray.to_gpu(np.arange(n, dtype=np.int32))
    >>> a = MRG32k3aRandomNumberGenerator(seeds).gen_normal(4, np.float64).get()
    >>> b = XORWOWRandomNumberGenerator(seeds).gen_normal(4, np.float64).get()
    >>> bool((a == b).all())
    True
    """
