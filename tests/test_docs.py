"""The documentation site (docs/): the table of runtime functions and their
errors agrees with PyGPU._core and with what the simulated device returns, and
the site builds from the installed package with warnings as errors."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import PyGPU as g
from PyGPU import _core
from PyGPU import _runtime_table as table

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

pytestmark = pytest.mark.skipif(not (DOCS / "conf.py").is_file(), reason="the source tree (docs/) is not available")


FUNCTIONS = table.functions()


def runtime_functions() -> set:
    """The public cuda* functions of PyGPU._core (classes and constants are not functions)."""
    return {name for name in dir(_core) if name.startswith("cuda") and inspect.isbuiltin(getattr(_core, name))}


# ----------------------------------------------------------------- the table

def test_every_runtime_function_is_in_the_table():
    missing = sorted(runtime_functions() - set(FUNCTIONS))
    assert not missing, f"add these to python/PyGPU/_runtime_table.py with their errors: {missing}"


def test_the_table_lists_only_runtime_functions():
    stale = sorted(set(FUNCTIONS) - runtime_functions())
    assert not stale, f"python/PyGPU/_runtime_table.py lists functions PyGPU._core does not have: {stale}"


def test_the_table_is_not_empty_and_sections_do_not_repeat_a_function():
    names = [name for _title, entries in table.SECTIONS for name in entries]
    assert len(names) == len(set(names)) == len(FUNCTIONS) >= 50


@pytest.mark.parametrize("name", table.error_names())
def test_every_error_name_is_a_cudaError_t_name(name):
    code = getattr(g, name, None)
    assert isinstance(code, int) and not isinstance(code, bool), f"{name} is not an error constant of PyGPU"
    assert g.cudaGetErrorName(code) == name  # the simulated device speaks CUDA's names
    assert g.cudaError_t(code).name == name


def test_errors_every_call_can_return_are_listed_once():
    for name, (errors, _note) in FUNCTIONS.items():
        repeated = sorted(set(errors) & set(table.COMMON))
        assert not repeated, f"{name} repeats errors of every call: {repeated}"
        assert "cudaSuccess" not in errors
        assert all(when.strip() for when in errors.values()), f"{name}: say when each error is returned"


# ---------------------------------- the simulated device returns what is listed

def _provoke_peer_twice():
    g.cudaDeviceEnablePeerAccess(1).check()
    try:
        return g.cudaDeviceEnablePeerAccess(1)
    finally:
        g.cudaDeviceDisablePeerAccess(1).check()


def _provoke_with_memory(fn):
    def run():
        dev, err = g.cudaMalloc(256)
        err.check()
        try:
            return fn(dev)
        finally:
            g.cudaFree(dev).check()

    return run


def _provoke_destroyed_stream(fn):
    def run():
        stream = g.cudaStream_t()
        stream.destroy().check()
        return fn(stream)

    return run


def _provoke_destroyed_event(fn):
    def run():
        event = g.cudaEvent_t()
        event.destroy().check()
        return fn(event)

    return run


def _first(result):
    return result[1] if isinstance(result, tuple) else result


HOST = np.zeros(64, np.uint8)

# (function, error): a call of `function` that returns `error` on the simulated device.
PROVOKED = {
    ("cudaSetDevice", "cudaErrorInvalidDevice"): lambda: g.cudaSetDevice(99),
    ("cudaGetDeviceProperties", "cudaErrorInvalidDevice"): lambda: g.cudaGetDeviceProperties(-1),
    ("cudaDeviceCanAccessPeer", "cudaErrorInvalidDevice"): lambda: g.cudaDeviceCanAccessPeer(0, 7),
    ("cudaDeviceEnablePeerAccess", "cudaErrorInvalidDevice"): lambda: g.cudaDeviceEnablePeerAccess(0),
    ("cudaDeviceEnablePeerAccess", "cudaErrorInvalidValue"): lambda: g.cudaDeviceEnablePeerAccess(1, 1),
    ("cudaDeviceEnablePeerAccess", "cudaErrorPeerAccessAlreadyEnabled"): _provoke_peer_twice,
    ("cudaDeviceDisablePeerAccess", "cudaErrorPeerAccessNotEnabled"): lambda: g.cudaDeviceDisablePeerAccess(1),
    ("cudaMalloc", "cudaErrorMemoryAllocation"): lambda: g.cudaMalloc(1 << 40),
    ("cudaFree", "cudaErrorInvalidValue"): _provoke_with_memory(lambda dev: g.cudaFree(int(dev) + 16)),
    ("cudaHostAlloc", "cudaErrorInvalidValue"): lambda: g.cudaHostAlloc(64, 0x100),
    ("cudaFreeHost", "cudaErrorInvalidValue"): _provoke_with_memory(g.cudaFreeHost),
    ("cudaHostRegister", "cudaErrorInvalidValue"): lambda: g.cudaHostRegister(HOST, 64, 0x100),
    ("cudaHostUnregister", "cudaErrorHostMemoryNotRegistered"): lambda: g.cudaHostUnregister(HOST),
    ("cudaMemcpy", "cudaErrorInvalidValue"): _provoke_with_memory(
        lambda dev: g.cudaMemcpy(dev, HOST, 64, g.cudaMemcpyDeviceToHost)),
    ("cudaMemcpy", "cudaErrorInvalidMemcpyDirection"): _provoke_with_memory(lambda dev: g.cudaMemcpy(dev, HOST, 64, 9)),
    ("cudaMemcpyAsync", "cudaErrorInvalidResourceHandle"): _provoke_destroyed_stream(
        lambda s: g.cudaMemcpyAsync(HOST, HOST, 8, g.cudaMemcpyHostToHost, s)),
    ("cudaMemcpy2D", "cudaErrorInvalidPitchValue"): _provoke_with_memory(
        lambda dev: g.cudaMemcpy2D(dev, 8, HOST, 8, 16, 2, g.cudaMemcpyHostToDevice)),
    ("cudaMemcpyPeer", "cudaErrorInvalidDevice"): _provoke_with_memory(lambda dev: g.cudaMemcpyPeer(dev, 5, dev, 0, 8)),
    ("cudaMemset", "cudaErrorInvalidValue"): _provoke_with_memory(lambda dev: g.cudaMemset(int(dev) + 200, 0, 100)),
    ("cudaStreamCreateWithFlags", "cudaErrorInvalidValue"): lambda: g.cudaStreamCreateWithFlags(8),
    ("cudaStreamDestroy", "cudaErrorInvalidResourceHandle"): lambda: g.cudaStreamDestroy(g.cudaStreamLegacy),
    ("cudaStreamSynchronize", "cudaErrorInvalidResourceHandle"): _provoke_destroyed_stream(g.cudaStreamSynchronize),
    ("cudaStreamWaitEvent", "cudaErrorInvalidValue"): lambda: g.cudaStreamWaitEvent(None, g.cudaEvent_t(), 1),
    ("cudaLaunchHostFunc", "cudaErrorInvalidResourceHandle"): _provoke_destroyed_stream(
        lambda s: g.cudaLaunchHostFunc(s, print)),
    ("cudaEventCreateWithFlags", "cudaErrorInvalidValue"): lambda: g.cudaEventCreateWithFlags(g.cudaEventInterprocess),
    ("cudaEventDestroy", "cudaErrorInvalidResourceHandle"): _provoke_destroyed_event(g.cudaEventDestroy),
    ("cudaEventQuery", "cudaErrorInvalidResourceHandle"): _provoke_destroyed_event(g.cudaEventQuery),
    ("cudaEventElapsedTime", "cudaErrorInvalidResourceHandle"): lambda: g.cudaEventElapsedTime(g.cudaEvent_t(),
                                                                                                 g.cudaEvent_t()),
}


@pytest.mark.parametrize(("function", "error"), list(PROVOKED), ids=[f"{f}-{e}" for f, e in PROVOKED])
def test_the_simulated_device_returns_the_listed_error(function, error):
    assert function in FUNCTIONS
    assert error in FUNCTIONS[function][0], f"the table does not list {error} for {function}"
    err = _first(PROVOKED[(function, error)]())
    assert err == getattr(g, error), f"{function} returned {err.name}, the table says {error}"
    assert err.name == error
    g.cudaGetLastError()


# ------------------------------------------------------------ the site builds

def _html_ids(path: Path) -> set:
    return set(re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    for module in ("sphinx", "numpydoc", "myst_parser"):
        pytest.importorskip(module, reason="the docs extra (pip install '.[docs]') builds the site")
    out = tmp_path_factory.mktemp("docs")
    # From the installed package (conf.py imports PyGPU; the source tree's
    # python/ is not on the path), in a fresh interpreter.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYGPU_")}
    env["PYGPU_BACKEND"] = "sim"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        check=False, cwd=out, env=env, capture_output=True, text=True, timeout=300)
    return result, out / "html"  # with --keep-going the pages are written even when a warning fails the build


@pytest.mark.build
def test_the_site_builds_without_warnings(built_site):
    result, _html = built_site
    assert result.returncode == 0 and "WARNING" not in result.stderr, \
        f"sphinx -W failed:\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.mark.build
def test_the_low_level_page_documents_every_runtime_function(built_site):
    _result, html = built_site
    ids = _html_ids(html / "low-level-api.html")
    missing = sorted(name for name in runtime_functions() if f"PyGPU.{name}" not in ids)
    assert not missing, f"no entry on low-level-api.html for {missing}"
    text = re.sub(r"<[^>]+>", "", (html / "low-level-api.html").read_text(encoding="utf-8"))
    # the docstring comes from the module, the errors from the table
    assert "Allocate size bytes of device memory" in text
    assert "cudaErrorHostMemoryNotRegistered" in text and "cudaErrorInvalidPitchValue" in text


@pytest.mark.build
@pytest.mark.parametrize(("page", "names"), [
    ("api/pygpu.html", ["PyGPU.CudaError", "PyGPU.get_include", "PyGPU.from_dlpack", "PyGPU.backend"]),
    ("api/core.html", ["PyGPU.cudaError_t", "PyGPU.cudaStream_t", "PyGPU.cudaEvent_t", "PyGPU.DeviceArray",
                       *(f"PyGPU.DeviceArray_{dtype}" for dtype in g.dtypes)]),
    ("api/gpuarray.html", ["PyGPU.gpuarray.GPUArray", "PyGPU.gpuarray.to_gpu", "PyGPU.gpuarray.DtypeMismatchError"]),
    ("api/driver.html", ["PyGPU.driver.mem_alloc", "PyGPU.driver.Stream", "PyGPU.driver.Event"]),
    ("api/sim.html", ["PyGPU.sim.inject", "PyGPU.sim.chaos", "PyGPU.sim.configure"]),
    ("api/testing.html", ["PyGPU.testing.assert_no_leaks"]),
    ("api/curandom.html", ["PyGPU.curandom.rand", "PyGPU.curandom.XORWOWRandomNumberGenerator",
                           "PyGPU.curandom.XORWOWRandomNumberGenerator.gen_normal",
                           "PyGPU.curandom.MRG32k3aRandomNumberGenerator.fill_uniform"]),
    ("api/cumath.html", ["PyGPU.cumath.exp", "PyGPU.cumath.fmod", "PyGPU.cumath.frexp", "PyGPU.cumath.modf"]),
])
def test_the_api_reference_is_generated(built_site, page, names):
    _result, html = built_site
    ids = _html_ids(html / page)
    missing = [name for name in names if name not in ids]
    assert not missing, f"{page} lacks {missing}"


@pytest.mark.build
@pytest.mark.parametrize("page", ["getting-started", "low-level-api", "gpuarray", "simulated-device",
                                  "gluing-kernels", "performance", "reliability", "random", "cumath"])
def test_every_page_is_in_the_site(built_site, page):
    _result, html = built_site
    assert (html / f"{page}.html").is_file()
    assert f'href="{page}.html"' in (html / "index.html").read_text(encoding="utf-8")
