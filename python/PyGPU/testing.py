"""pytest fixtures for code that uses PyGPU.

Opt-in, so installing PyGPU does not import it into every pytest run: add
``pytest_plugins = ["PyGPU.testing"]`` to your top-level ``conftest.py`` (or
import the fixtures there: ``from PyGPU.testing import pygpu_sim, pygpu_chaos``).
Set ``PYGPU_BACKEND`` and the ``PYGPU_SIM_*`` variables before PyGPU is
imported (in the environment, or at the top of that ``conftest.py``).

Fixtures
--------
``pygpu_sim``
    Skips the test unless the active backend is the simulated device.
    Resets the simulated device before and after the test (all memory
    freed, streams and events invalidated, statistics, chaos mode and
    injections cleared) and yields the :mod:`PyGPU.sim` module.
``pygpu_chaos``
    ``pygpu_sim`` with chaos mode on; the test runs once per seed (by
    default :data:`DEFAULT_CHAOS_SEEDS`). Choose seeds with
    ``@pytest.mark.parametrize("pygpu_chaos", [1, 2, 3], indirect=True)``,
    or a (seed, max_delay_us) pair per parameter. Yields the seed.

Helper
------
:func:`assert_no_leaks` fails the test, with a report naming each live
allocation, when device or host memory is still allocated.

The fixtures are harmless without the simulated device: they skip and
nothing else happens.

Examples
--------
.. code-block:: python

    import numpy as np
    import PyGPU
    from PyGPU.testing import assert_no_leaks

    def test_roundtrip(pygpu_sim):
        a = PyGPU.to_gpu(np.arange(4.0))
        assert (a.get() == np.arange(4.0)).all()
        del a
        assert_no_leaks()

    def test_out_of_memory(pygpu_sim):
        with pygpu_sim.inject("cudaMalloc", "cudaErrorMemoryAllocation"):
            ptr, err = PyGPU.cudaMalloc(256)
        assert err == PyGPU.cudaErrorMemoryAllocation

    def test_synchronised(pygpu_chaos):  # runs once per seed, chaos on
        ...
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import ModuleType

import pytest

#: The seeds ``pygpu_chaos`` runs a test with when not parametrised.
DEFAULT_CHAOS_SEEDS = (1, 2, 3)
#: The largest delay of each queued operation in ``pygpu_chaos``, microseconds.
DEFAULT_CHAOS_DELAY_US = 500


def _sim_module() -> ModuleType | None:
    """PyGPU.sim when the active backend is the simulated device, else None."""
    try:
        from . import sim
    except Exception:  # pragma: no cover - PyGPU itself could not be imported
        return None
    return sim if sim.available() else None


@pytest.fixture
def pygpu_sim() -> Iterator[ModuleType]:
    """The simulated device, reset before and after the test; yields PyGPU.sim.

    The reset frees all memory, invalidates streams and events, and clears
    statistics, injections, labels, traces and chaos mode (also when set by
    ``PYGPU_SIM_CHAOS``). Skips the test when the active backend is not the
    simulated device.

    Yields
    ------
    module
        :mod:`PyGPU.sim`, to inject errors, read statistics or check leaks.

    Notes
    -----
    A fixture is not called directly: pytest passes its value to a test that
    names it as a parameter. The example calls such a test by hand with the
    value pytest would pass (without the resets).

    Examples
    --------
    >>> import numpy as np, PyGPU, PyGPU.sim
    >>> def test_counts_the_copy(pygpu_sim):
    ...     before = pygpu_sim.stats()["bytes"]["HtoD"]
    ...     a = PyGPU.to_gpu(np.arange(4, dtype=np.float32))
    ...     assert pygpu_sim.stats()["bytes"]["HtoD"] - before == 16
    ...     assert a.get().tolist() == [0.0, 1.0, 2.0, 3.0]
    >>> test_counts_the_copy(PyGPU.sim)
    """
    sim = _sim_module()
    if sim is None:
        pytest.skip("needs PyGPU's simulated device (PYGPU_BACKEND=sim)")
    sim.reset()
    try:
        yield sim
    finally:
        sim.reset()


def _chaos_param(param: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(param, (tuple, list)):
        seed, delay = param
        return int(seed), int(delay)
    return int(param), DEFAULT_CHAOS_DELAY_US


@pytest.fixture(params=DEFAULT_CHAOS_SEEDS, ids=lambda p: f"seed{_chaos_param(p)[0]}")
def pygpu_chaos(request: pytest.FixtureRequest, pygpu_sim: ModuleType) -> Iterator[int]:
    """Chaos mode on the simulated device, once per seed; yields the seed.

    Depends on :func:`pygpu_sim` (the device is reset before and after).
    Parametrise with ``indirect=True`` to choose seeds: ints, or
    (seed, max_delay_us) pairs; by default the seeds are
    :data:`DEFAULT_CHAOS_SEEDS` with delays up to
    :data:`DEFAULT_CHAOS_DELAY_US` microseconds.

    Parameters
    ----------
    request : pytest.FixtureRequest
        Given by pytest; ``request.param`` is the seed, or a
        (seed, max_delay_us) pair.
    pygpu_sim : module
        The :func:`pygpu_sim` fixture's value, :mod:`PyGPU.sim`.

    Yields
    ------
    int
        The seed of this run.

    Notes
    -----
    Chaos mode is switched off when the test ends, even when it fails. The
    example runs a correctly synchronised test by hand, under the chaos
    setting pytest would use for seed 1.

    Examples
    --------
    >>> import numpy as np, PyGPU, PyGPU.sim as sim
    >>> from PyGPU.testing import DEFAULT_CHAOS_DELAY_US
    >>> def test_stream_roundtrip(pygpu_chaos):
    ...     stream = PyGPU.cudaStream_t()
    ...     host, back = np.arange(64, dtype=np.int32), np.zeros(64, dtype=np.int32)
    ...     dev, err = PyGPU.cudaMalloc(host.nbytes)
    ...     _ = PyGPU.cudaMemcpyAsync(dev, host, host.nbytes, PyGPU.cudaMemcpyHostToDevice, stream)
    ...     _ = PyGPU.cudaMemcpyAsync(back, dev, host.nbytes, PyGPU.cudaMemcpyDeviceToHost, stream)
    ...     assert stream.synchronize() == PyGPU.cudaSuccess
    ...     assert (back == host).all()
    ...     _ = PyGPU.cudaFree(dev)
    >>> with sim.chaos(1, max_delay_us=DEFAULT_CHAOS_DELAY_US):
    ...     test_stream_roundtrip(1)
    """
    seed, delay = _chaos_param(request.param)
    with pygpu_sim.chaos(seed, max_delay_us=delay):
        yield seed


def assert_no_leaks(ignore: Iterable[int] | None = None) -> None:
    """Fail (AssertionError with a leak report) when memory is still allocated.

    Collects unreachable objects first. Does nothing when the active backend
    is not the simulated device (there is nothing to inspect).

    Parameters
    ----------
    ignore : iterable of int, optional
        Addresses of allocations that may stay (fixtures' own buffers).

    Raises
    ------
    AssertionError
        When an allocation other than those in `ignore` is live; the message
        is :func:`PyGPU.sim.leak_report` of them.

    Examples
    --------
    >>> import PyGPU
    >>> from PyGPU.testing import assert_no_leaks
    >>> live = [a["address"] for a in PyGPU.sim.leaks()]  # allocations made before
    >>> ptr, err = PyGPU.cudaMalloc(256)
    >>> assert_no_leaks(ignore=live)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    AssertionError: PyGPU simulated device: 1 allocation still live (256 bytes of device memory)
      device 0  0x...  256 bytes  cudaMalloc
    >>> _ = PyGPU.cudaFree(ptr)
    >>> assert_no_leaks(ignore=live)
    """
    sim = _sim_module()
    if sim is None:
        return
    skip = {int(a) for a in ignore} if ignore is not None else set()
    live = [a for a in sim.leaks() if a["address"] not in skip]
    if live:
        raise AssertionError(sim.leak_report(live))
