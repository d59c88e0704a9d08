"""Shared fixtures. Every test runs on the simulated device, with two virtual
devices of 1 GiB each so multi-device rules and capacity limits are testable;
the tests marked ``gpu`` run on the backend PYGPU_BACKEND names, in a child
interpreter (fixture ``hardware``)."""

from __future__ import annotations

import gc
import os

os.environ["PYGPU_TEST_GPU_BACKEND"] = os.environ.get("PYGPU_BACKEND", "auto")  # for the tests marked gpu
os.environ["PYGPU_BACKEND"] = "sim"
os.environ["PYGPU_SIM_DEVICES"] = "2"
os.environ["PYGPU_SIM_MEMORY"] = "1GiB"

import pytest

import PyGPU as g
from helpers import Gate, Hardware
from PyGPU import tools
from PyGPU.testing import pygpu_chaos, pygpu_sim  # noqa: F401  (PyGPU's fixtures, opt-in)


def pytest_collection_finish(session):
    """What is alive once the tests are collected (modules, thousands of test
    items) moves to the permanent generation, so each gc.collect() of the
    lifetime tests walks only what tests made since: a third of the time of
    `-m "not build"`. Nothing a test makes is exempt from collection."""
    gc.collect()
    gc.freeze()


def pytest_sessionfinish(session, exitstatus):
    gc.unfreeze()  # the interpreter's exit sees the heap as it would without the freeze


@pytest.fixture
def gate():
    """gate(stream) -> Gate; every gate is opened at the end of the test.

    Garbage collection is paused while gates may be closed: freeing device
    memory waits for queued work (as cudaFree does), so a collection that
    frees an earlier test's array would wait for the gate; so would freeing
    the blocks GPUArray's default pool holds (tests free them to count free
    memory), so they are given back first.
    """
    gc.collect()
    tools.default_pool().free_held()
    gc.disable()
    gates = []

    def make(stream=None) -> Gate:
        gates.append(Gate(stream))
        return gates[-1]

    yield make
    for gt in gates:
        gt.open()
    gc.enable()


@pytest.fixture(scope="session")
def hardware() -> Hardware:
    """The backend PYGPU_BACKEND named, for the tests marked gpu; they skip, saying
    what the backend answered, where no device does."""
    hw = Hardware(os.environ["PYGPU_TEST_GPU_BACKEND"])
    if hw.missing is not None:
        pytest.skip(hw.missing)
    return hw


@pytest.fixture(autouse=True)
def clean_device():
    """Each test starts on device 0 with no pending error, and leaves no work."""
    g.cudaSetDevice(0)
    g.cudaGetLastError()
    yield
    for device in (1, 0):
        g.cudaSetDevice(device)
        g.cudaDeviceSynchronize()
    g.cudaGetLastError()


@pytest.fixture
def dev_alloc():
    """dev_alloc(nbytes) -> device pointer, freed at the end of the test."""
    ptrs = []

    def make(nbytes: int):
        ptr, err = g.cudaMalloc(nbytes)
        assert err == g.cudaSuccess, err
        ptrs.append(ptr)
        return ptr

    yield make
    for ptr in ptrs:
        if ptr.alive:
            g.cudaFree(ptr)
