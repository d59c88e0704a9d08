"""The pytest plugin PyGPU.testing (loaded through its entry point) and PyGPU.sim.configure."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import PyGPU as g
from helpers import SIM_MEMORY, run_python
from PyGPU import sim, testing

# --- the fixtures, used here -------------------------------------------------------

def test_pygpu_sim_yields_a_fresh_simulated_device(pygpu_sim):
    assert pygpu_sim is sim
    assert pygpu_sim.allocations() == []
    assert pygpu_sim.stats()["calls"] == {}
    assert g.cudaGetDevice()[0] == 0


def test_pygpu_chaos_runs_with_chaos_on(pygpu_chaos, pygpu_sim):
    assert pygpu_chaos in testing.DEFAULT_CHAOS_SEEDS
    d, _ = g.cudaMalloc(256)
    with pygpu_sim.trace() as t:
        for _ in range(10):
            g.cudaMemsetAsync(d, 0, 256, None)
    delays = [e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X"]
    assert any(delays) and max(delays) <= testing.DEFAULT_CHAOS_DELAY_US
    g.cudaFree(d)


@pytest.mark.parametrize("pygpu_chaos", [(11, 50), 12], indirect=True)
def test_pygpu_chaos_parametrised(pygpu_chaos, pygpu_sim):
    assert pygpu_chaos in (11, 12)
    d, _ = g.cudaMalloc(256)
    with pygpu_sim.trace() as t:
        for _ in range(10):
            g.cudaMemsetAsync(d, 0, 256, None)
    delays = [e["args"]["chaos_delay_us"] for e in t.events["traceEvents"] if e["ph"] == "X"]
    assert max(delays) <= (50 if pygpu_chaos == 11 else testing.DEFAULT_CHAOS_DELAY_US)
    g.cudaFree(d)


def test_pygpu_sim_skips_off_the_simulator(request, monkeypatch):
    monkeypatch.setattr(testing, "_sim_module", lambda: None)
    with pytest.raises(pytest.skip.Exception, match="simulated device"):
        request.getfixturevalue("pygpu_sim")


def test_assert_no_leaks_does_nothing_off_the_simulator(monkeypatch, pygpu_sim):
    ptr, _ = g.cudaMalloc(256)
    monkeypatch.setattr(testing, "_sim_module", lambda: None)
    testing.assert_no_leaks()  # nothing to inspect: no failure
    monkeypatch.undo()
    with pytest.raises(AssertionError):
        testing.assert_no_leaks()
    g.cudaFree(ptr)


# --- the plugin in a fresh pytest process -----------------------------------------

PLUGIN_TESTS = '''
import pytest
import PyGPU
from PyGPU.testing import assert_no_leaks

leaked = []
seeds = []


def test_a_leaves_a_mess(pygpu_sim):
    leaked.append(PyGPU.cudaMalloc(1 << 20, label="mess")[0])
    leaked.append(PyGPU.cudaStream_t())
    pygpu_sim.inject("cudaMalloc", "cudaErrorMemoryAllocation", count=0)
    pygpu_sim.chaos(5)


def test_b_starts_clean(pygpu_sim):
    assert pygpu_sim.allocations() == []
    assert not leaked[0].alive
    assert leaked[1].query() == PyGPU.cudaErrorInvalidResourceHandle
    ptr, err = PyGPU.cudaMalloc(16)
    assert err == PyGPU.cudaSuccess
    PyGPU.cudaFree(ptr)
    assert_no_leaks()


def test_c_chaos(pygpu_chaos):
    seeds.append(pygpu_chaos)


def test_d_seeds():
    assert seeds == [1, 2, 3]


def test_e_leak_is_reported(pygpu_sim):
    ptr, _ = PyGPU.cudaMalloc(300, label="kept")
    with pytest.raises(AssertionError, match="kept"):
        assert_no_leaks()
'''


def run_pytest(tmp_path, tests: str, conftest: str | None = None, args=(), **env: str):
    (tmp_path / "test_plugin_use.py").write_text(tests)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    if conftest is not None:
        (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    full_env.update(env)
    # Hypothesis's plugin (the test extra installs it) is a second of imports per child, and no child uses it.
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                           *args, str(tmp_path)],
                          cwd=tmp_path, env=full_env, capture_output=True, text=True, timeout=120, check=False)


OPT_IN = 'pytest_plugins = ["PyGPU.testing"]\n'


def test_plugin_is_enabled_with_pytest_plugins(tmp_path):
    result = run_pytest(tmp_path, PLUGIN_TESTS, OPT_IN, PYGPU_BACKEND="sim")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout


def test_fixtures_are_opt_in(tmp_path):
    result = run_pytest(tmp_path, PLUGIN_TESTS, PYGPU_BACKEND="sim")
    assert result.returncode != 0
    assert "fixture 'pygpu_sim' not found" in result.stdout


def test_installing_pygpu_does_not_touch_other_pytest_runs(tmp_path):
    """Without the opt-in, pytest never imports PyGPU: even a broken PyGPU configuration is harmless."""
    result = run_pytest(tmp_path, "def test_x():\n    pass\n", PYGPU_SIM_MEMORY="garbage")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_plugin_is_harmless_off_the_simulator(tmp_path):
    tests = '''
import PyGPU
from PyGPU.testing import assert_no_leaks

def test_plain():
    assert PyGPU.backend == "cuda"
    assert_no_leaks()

def test_needs_sim(pygpu_sim):
    raise AssertionError("not reached")

def test_needs_chaos(pygpu_chaos):
    raise AssertionError("not reached")
'''
    result = run_pytest(tmp_path, tests, OPT_IN, args=("-rs",), PYGPU_BACKEND="cuda")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 4 skipped" in result.stdout
    assert "needs PyGPU's simulated device" in result.stdout


def test_environment_set_by_a_conftest_is_applied(tmp_path):
    """A conftest.py that sets the environment, then opts in, configures PyGPU."""
    conftest = '''
    import os
    os.environ["PYGPU_BACKEND"] = "sim"
    os.environ["PYGPU_SIM_DEVICES"] = "3"
    os.environ["PYGPU_SIM_MEMORY"] = "256MiB"
    os.environ["PYGPU_SIM_INJECT"] = "cudaMalloc=cudaErrorMemoryAllocation"
    pytest_plugins = ["PyGPU.testing"]
    '''
    tests = '''
import PyGPU

def test_configuration():
    assert PyGPU.cudaGetDeviceCount()[0] == 3
    assert PyGPU.cudaGetDeviceProperties(2)[0].totalGlobalMem == 256 << 20
    assert PyGPU.cudaMalloc(16)[1] == PyGPU.cudaErrorMemoryAllocation
'''
    result = run_pytest(tmp_path, tests, conftest, PYGPU_SIM_DEVICES="1")
    assert result.returncode == 0, result.stdout + result.stderr


# --- configure -----------------------------------------------------------------------

def test_configure_refused_after_first_use(pygpu_sim, gate):
    ptr, _ = g.cudaMalloc(256)
    with pytest.raises(RuntimeError, match="allocations exist"):
        sim.configure(devices=2)
    g.cudaFree(ptr)
    s = g.cudaStream_t()
    with pytest.raises(RuntimeError, match="streams exist"):
        sim.configure(devices=2)
    s.destroy()
    ev = g.cudaEvent_t()
    with pytest.raises(RuntimeError, match="events exist"):
        sim.configure(devices=2)
    ev.destroy()
    gt = gate(None)
    with pytest.raises(RuntimeError, match="work is still queued"):
        sim.configure(devices=2)
    gt.open()
    assert g.cudaDeviceSynchronize() == g.cudaSuccess
    # Nothing exists any more: the same configuration is accepted again.
    sim.configure(devices=2, memory=SIM_MEMORY)
    assert g.cudaGetDeviceCount()[0] == 2
    assert g.cudaMemGetInfo()[0] == (SIM_MEMORY, SIM_MEMORY)


@pytest.mark.parametrize(("kwargs", "exc"), [
    ({"devices": 0}, ValueError), ({"devices": 1025}, ValueError), ({"devices": "2"}, TypeError),
    ({"devices": True}, TypeError), ({"memory": 0}, ValueError), ({"memory": "abc"}, ValueError),
    ({"memory": "12 parsecs"}, ValueError), ({"memory": -5}, ValueError), ({"memory": 1.5}, TypeError),
])
def test_configure_rejects_bad_values(pygpu_sim, kwargs, exc):
    with pytest.raises(exc):
        sim.configure(**kwargs)
    assert g.cudaGetDeviceCount()[0] == 2


@pytest.mark.parametrize(("text", "size"), [
    ("512MiB", 512 << 20), ("512 MiB", 512 << 20), ("512M", 512 << 20), ("2GB", 2 * 10 ** 9), ("1gib", 1 << 30),
    ("4096", 4096), ("3 KB", 3000), ("1T", 1 << 40), (" 7b ", 7), (1 << 33, 1 << 33),
])
def test_parse_size(text, size):
    assert sim.parse_size(text) == size


def test_configure_in_a_fresh_process():
    code = """
import PyGPU as g, PyGPU.sim as sim
sim.configure(devices=3, memory="512MiB")
p, _ = g.cudaGetDeviceProperties(2)
print(g.cudaGetDeviceCount()[0], p.totalGlobalMem, g.cudaMemGetInfo()[0][0])
g.cudaSetDevice(2)
ptr, err = g.cudaMalloc(1 << 20)
print(err.name)
try:
    sim.configure(devices=1)
except RuntimeError as e:
    print("refused:", "allocations exist" in str(e))
"""
    result = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_DEVICES="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["3 536870912 536870912", "cudaSuccess", "refused: True"]


def test_configure_keeps_what_is_not_given():
    code = """
import PyGPU as g, PyGPU.sim as sim
sim.configure(memory="256MiB")
print(g.cudaGetDeviceCount()[0], g.cudaGetDeviceProperties(1)[0].totalGlobalMem)
sim.configure(devices=1)
print(g.cudaGetDeviceCount()[0], g.cudaGetDeviceProperties(0)[0].totalGlobalMem)
"""
    result = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_DEVICES="2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"2 {256 << 20}", f"1 {256 << 20}"]


def test_configure_fewer_devices_makes_device_zero_current():
    code = """
import PyGPU as g, PyGPU.sim as sim
g.cudaSetDevice(2)
sim.configure(devices=1)
print(g.cudaGetDevice()[0], g.cudaSetDevice(2).name)
"""
    result = run_python(code, PYGPU_BACKEND="sim", PYGPU_SIM_DEVICES="3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "cudaErrorInvalidDevice"]


def test_the_documented_examples_run():
    """The docstrings' examples (numpydoc) of PyGPU.sim and PyGPU.testing."""
    code = """
import doctest, sys, PyGPU.sim, PyGPU.testing
failed = 0
for module in (PyGPU.sim, PyGPU.testing):
    failed += doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed
    PyGPU.sim.reset()
sys.exit(failed)
"""
    result = run_python(code, PYGPU_BACKEND="sim")
    assert result.returncode == 0, result.stdout + result.stderr
