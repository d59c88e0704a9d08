"""Chaos mode: a missing synchronisation fails reliably, a correct program never does."""

from __future__ import annotations

import time

import numpy as np
import pytest

import PyGPU as g
from helpers import run_python
from PyGPU import sim

MIB = 1 << 20
SEEDS = range(100)
DELAY_US = 3000  # P(both copies drawn under ~20 us) is about 4e-5 per seed; a long delay also
# outlasts the host being descheduled between queueing and reading (a loaded or sanitized run)


class Program:
    """Pinned H2D async + D2H async of 1 MiB on a stream, then the host reads the output."""

    def __init__(self) -> None:
        self.stream = g.cudaStream_t()
        self.dev, err = g.cudaMalloc(MIB)
        assert err == g.cudaSuccess
        self.src_alloc = g.PagelockedAllocator_uint8(MIB)
        self.out_alloc = g.PagelockedAllocator_uint8(MIB)
        self.src = np.asarray(self.src_alloc)
        self.out = np.asarray(self.out_alloc)

    def run(self, seed: int, synchronise: bool) -> bool:
        """True when the host read the right data."""
        expected = seed % 251 + 1
        self.src[:] = expected
        self.out[:] = 0
        with sim.chaos(seed, max_delay_us=DELAY_US):
            assert g.cudaMemcpyAsync(self.dev, self.src_alloc.ptr(), MIB, g.cudaMemcpyHostToDevice,
                                     self.stream) == g.cudaSuccess
            assert g.cudaMemcpyAsync(self.out_alloc.ptr(), self.dev, MIB, g.cudaMemcpyDeviceToHost,
                                     self.stream) == g.cudaSuccess
            if synchronise:
                assert g.cudaStreamSynchronize(self.stream) == g.cudaSuccess
            seen = self.out.copy()  # what the program goes on with
            assert g.cudaStreamSynchronize(self.stream) == g.cudaSuccess  # (cleanup before the next seed)
        return bool((seen == expected).all())

    def close(self) -> None:
        assert g.cudaFree(self.dev) == g.cudaSuccess
        del self.src, self.out  # the views first: a viewed block cannot be freed
        assert self.src_alloc.free() == g.cudaSuccess
        assert self.out_alloc.free() == g.cudaSuccess


def test_missing_synchronize_fails_under_chaos_and_the_fix_passes(pygpu_sim):
    """THE test: the bug shows in >= 99 of 100 seeds; the corrected program passes in all 100."""
    program = Program()
    t0 = time.monotonic()
    buggy_failures = [seed for seed in SEEDS if not program.run(seed, synchronise=False)]
    fixed_failures = [seed for seed in SEEDS if not program.run(seed, synchronise=True)]
    elapsed = time.monotonic() - t0
    program.close()
    unnoticed = 100 - len(buggy_failures)
    assert len(buggy_failures) >= 99, f"the missing synchronisation went unnoticed for {unnoticed} seeds"
    assert fixed_failures == []
    assert elapsed < 10, elapsed


def test_chaos_does_not_change_correct_results(pygpu_sim):
    s1, s2 = g.cudaStream_t(), g.cudaStream_t()
    host = np.arange(1 << 16, dtype=np.uint32)
    a, _ = g.cudaMalloc(host.nbytes)
    b, _ = g.cudaMalloc(host.nbytes)
    ev = g.cudaEvent_t()
    out = np.zeros_like(host)
    with sim.chaos(99, max_delay_us=500):
        for _ in range(5):
            assert g.cudaMemcpyAsync(a, host, host.nbytes, g.cudaMemcpyHostToDevice, s1) == g.cudaSuccess
            assert g.cudaEventRecord(ev, s1) == g.cudaSuccess
            assert g.cudaStreamWaitEvent(s2, ev, 0) == g.cudaSuccess  # s2 waits for s1's copy
            assert g.cudaMemcpyAsync(b, a, host.nbytes, g.cudaMemcpyDeviceToDevice, s2) == g.cudaSuccess
            assert g.cudaMemcpyAsync(out, b, host.nbytes, g.cudaMemcpyDeviceToHost, s2) == g.cudaSuccess
            assert np.array_equal(out, host)  # pageable D2H returns when done
            out[:] = 0
            host += 1


def test_chaos_context_manager_restores_off(pygpu_sim):
    def delays():
        d, _ = g.cudaMalloc(256)
        with sim.trace() as t:
            for _ in range(8):
                g.cudaMemsetAsync(d, 0, 256, None)
        g.cudaFree(d)
        return [e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X"]

    assert delays() == [0] * 8
    with sim.chaos(5, max_delay_us=300) as c:
        assert (c.seed, c.max_delay_us) == (5, 300)
        on = delays()
    assert any(on) and all(0 <= x <= 300 for x in on)
    assert delays() == [0] * 8  # off again after the block
    sim.chaos(5, max_delay_us=300)
    assert any(delays())
    assert repr(sim.chaos(None)) == "<PyGPU.sim.chaos off>"
    assert delays() == [0] * 8


def test_nested_chaos_restores_the_outer_setting(pygpu_sim):
    def first_delay():
        d, _ = g.cudaMalloc(256)
        with sim.trace() as t:
            g.cudaMemsetAsync(d, 0, 256, None)
        g.cudaFree(d)
        [e] = [e for e in t.events["traceEvents"] if e["ph"] == "X"]
        return e["args"]["chaos_delay_us"]

    with sim.chaos(1, max_delay_us=1_000_000):
        with sim.chaos(None):
            assert first_delay() == 0
        assert first_delay() > 0  # back to the outer setting (a later draw of seed 1)


def test_reset_switches_chaos_off(pygpu_sim):
    """Also chaos from PYGPU_SIM_CHAOS (the suite passes with it set): reset means off."""
    sim.chaos(4)
    sim.reset()
    d, _ = g.cudaMalloc(256)
    with sim.trace() as t:
        g.cudaMemsetAsync(d, 0, 256, None)
    g.cudaFree(d)
    assert [e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X"] == [0]


@pytest.mark.parametrize(("args", "error"), [
    ((-1,), ValueError), ((1 << 64,), ValueError), (("7",), TypeError), ((True,), TypeError), ((1.5,), TypeError),
    ((1, -1), ValueError), ((1, 1 << 32), ValueError), ((1, "500"), TypeError),
])
def test_chaos_rejects_bad_arguments(pygpu_sim, args, error):
    with pytest.raises(error):
        sim.chaos(*args)


def test_chaos_accepts_the_extremes(pygpu_sim):
    with sim.chaos((1 << 64) - 1, max_delay_us=0):
        pass
    with sim.chaos(0, max_delay_us=(1 << 32) - 1):  # (nothing is queued inside)
        pass


CHAOS_PROGRAM = """
import numpy as np, PyGPU as g, PyGPU.sim as sim
d, _ = g.cudaMalloc(256)
with sim.trace() as t:
    for _ in range(6):
        g.cudaMemsetAsync(d, 0, 256, None)
print(sorted(set(e["args"]["chaos_delay_us"] > 0 for e in t.events["traceEvents"] if e["ph"] == "X")))
print(max(e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X") <= 400)
"""


def test_chaos_from_the_environment():
    on = run_python(CHAOS_PROGRAM, PYGPU_BACKEND="sim", PYGPU_SIM_CHAOS="12:400")
    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == ["[True]", "True"]
    off = run_python(CHAOS_PROGRAM, PYGPU_BACKEND="sim")
    assert off.returncode == 0, off.stderr
    assert off.stdout.split()[0] == "[False]"


def test_reset_switches_chaos_from_the_environment_off():
    again = CHAOS_PROGRAM.replace("import numpy as np, PyGPU as g, PyGPU.sim as sim", "")
    code = CHAOS_PROGRAM + "sim.reset()\n" + again
    result = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_CHAOS="12:400")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[True]", "True", "[False]", "True"]


@pytest.mark.parametrize("value", ["abc", "7:", "7:x", "-3", "7:99999999999"])
def test_bad_chaos_variable_is_an_import_error(value):
    result = run_python("import PyGPU", PYGPU_BACKEND="sim", PYGPU_SIM_CHAOS=value)
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert "PYGPU_SIM_CHAOS" in result.stderr
