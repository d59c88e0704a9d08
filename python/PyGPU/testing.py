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

from typing import Any, Iterator, Optional

import pytest

#: The seeds ``pygpu_chaos`` runs a test with when not parametrised.
DEFAULT_CHAOS_SEEDS = (1, 2, 3)
#: The largest delay of each queued operation in ``pygpu_chaos``, microseconds.
DEFAULT_CHAOS_DELAY_US = 500

# The environment when the plugin (and so PyGPU) was imported.
def _sim_module():
    """PyGPU.sim when the active backend is the simulated device, else None."""
    try:
        from . import sim
    except Exception:  # pragma: no cover - PyGPU itself could not be imported
        return None
    return sim if sim.available() else None


@pytest.fixture
def pygpu_sim() -> Iterator[Any]:
    """The simulated device, reset before and after the test; yields PyGPU.sim.

    The reset frees all memory, invalidates streams and events, and clears
    statistics, injections, labels, traces and chaos mode (also when set by
    ``PYGPU_SIM_CHAOS``). Skips the test when the active backend is not the
    simulated device.
    """
    sim = _sim_module()
    if sim is None:
        pytest.skip("needs PyGPU's simulated device (PYGPU_BACKEND=sim)")
    sim.reset()
    try:
        yield sim
    finally:
        sim.reset()


def _chaos_param(param: Any) -> "tuple[int, int]":
    if isinstance(param, (tuple, list)):
        seed, delay = param
        return int(seed), int(delay)
    return int(param), DEFAULT_CHAOS_DELAY_US


@pytest.fixture(params=DEFAULT_CHAOS_SEEDS, ids=lambda p: f"seed{_chaos_param(p)[0]}")
def pygpu_chaos(request: Any, pygpu_sim: Any) -> Iterator[int]:
    """Chaos mode on the simulated device, once per seed; yields the seed.

    Parametrise with ``indirect=True`` to choose seeds: ints, or
    (seed, max_delay_us) pairs.
    """
    seed, delay = _chaos_param(request.param)
    with pygpu_sim.chaos(seed, max_delay_us=delay):
        yield seed


def assert_no_leaks(ignore: Optional[Any] = None) -> None:
    """Fail (AssertionError with a leak report) when memory is still allocated.

    Collects unreachable objects first. Does nothing when the active backend
    is not the simulated device (there is nothing to inspect).

    Parameters
    ----------
    ignore : iterable of int, optional
        Addresses of allocations that may stay (fixtures' own buffers).

    Examples
    --------
    >>> import PyGPU
    >>> from PyGPU.testing import assert_no_leaks
    >>> ptr, err = PyGPU.cudaMalloc(256)
    >>> _ = PyGPU.cudaFree(ptr)
    >>> assert_no_leaks()
    """
    sim = _sim_module()
    if sim is None:
        return
    skip = {int(a) for a in ignore} if ignore is not None else set()
    live = [a for a in sim.leaks() if a["address"] not in skip]
    if live:
        raise AssertionError(sim.leak_report(live))
