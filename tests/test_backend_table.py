"""The backend table (include/pygpu/backend.h): every built backend fills every
entry of PYGPU_BACKEND_ENTRIES, and the simulated device's call list is that
table's CALL rows (src/PyGPU/sim/calls.h; cudaLaunchKernel, once one of the
simulator's own calls, is the table's launch_kernel row since ABI version 2)."""

from __future__ import annotations

import ctypes
import importlib
import re
from pathlib import Path

import pytest

import PyGPU as g
from PyGPU import _core, sim

HEADER = Path(__file__).resolve().parents[1] / "include" / "pygpu" / "backend.h"
ROW = re.compile(r"\b(REPORT|CALL)\(([^,]+),\s*(\w+),\s*(?:(\w+),\s*)?\(")


def _rows() -> list[tuple[str, str, str | None]]:
    """(kind, member, cuda_name) of every row of PYGPU_BACKEND_ENTRIES, in order."""
    if not HEADER.is_file():
        pytest.skip("the source tree is not available")
    text = HEADER.read_text()
    start = text.index("#define PYGPU_BACKEND_ENTRIES(REPORT, CALL)")
    end = text.index("typedef struct pygpu_backend {", start)
    block = text[start + len("#define PYGPU_BACKEND_ENTRIES(REPORT, CALL)"):end]
    return [(kind, member, name or None) for kind, _ret, member, name in ROW.findall(block)]


class _Codes(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int) for name in (
        "success", "invalid_value", "memory_allocation", "invalid_device", "invalid_resource_handle",
        "not_ready", "no_device", "insufficient_driver", "not_supported")]


def _table_type(members: list[str]) -> type[ctypes.Structure]:
    """A ctypes mirror of pygpu_backend with one pointer per row, then extension."""
    fields = [("abi_version", ctypes.c_uint32), ("struct_size", ctypes.c_uint32), ("name", ctypes.c_char_p),
              ("api_prefix", ctypes.c_char_p), ("codes", _Codes)]
    fields += [(m, ctypes.c_void_p) for m in members] + [("extension", ctypes.c_void_p)]
    return type("Table", (ctypes.Structure,), {"_fields_": fields})


def _table(backend: str, members: list[str]) -> ctypes.Structure:
    if backend not in g.built_backends:
        pytest.skip(f"backend {backend} was not built")
    capsule = importlib.import_module(f"PyGPU._backend_{backend}").table
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype = ctypes.c_void_p
    get.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return _table_type(members).from_address(get(capsule, b"pygpu.backend"))


def test_rows_are_read_from_the_header():
    rows = _rows()
    kinds = [kind for kind, _, _ in rows]
    assert kinds[:5] == ["REPORT"] * 5 and set(kinds[5:]) == {"CALL"}
    assert rows[0] == ("REPORT", "get_error_name", None)
    assert ("CALL", "malloc", "cudaMalloc") in rows
    assert ("CALL", "event_elapsed_time", "cudaEventElapsedTime") in rows
    assert rows[-1] == ("CALL", "launch_kernel", "cudaLaunchKernel")
    assert len({member for _, member, _ in rows}) == len(rows)


@pytest.mark.parametrize("backend", ["sim", "cuda", "hip"])
def test_table_size_matches_the_rows_and_no_entry_is_null(backend):
    members = [member for _, member, _ in _rows()]
    table = _table(backend, members)
    assert table.abi_version == _core.BACKEND_ABI_VERSION
    assert table.struct_size == ctypes.sizeof(type(table))  # nothing but the rows and extension
    assert table.name.decode() == backend
    assert [m for m in members if not getattr(table, m)] == []
    assert table.extension


def test_sim_calls_are_the_call_rows(pygpu_sim):
    """Error injection knows exactly the CALL rows, by their CUDA names."""
    for name in [name for kind, _, name in _rows() if kind == "CALL"]:
        with pygpu_sim.inject(name, "cudaErrorUnknown", after=1 << 40):
            pass
    for name in ("cudaGetErrorName", "cudaGetErrorString", "cudaGetLastError", "cudaPeekAtLastError"):
        with pytest.raises(ValueError, match="is not a runtime call of the simulated device"):
            pygpu_sim.inject(name, "cudaErrorUnknown")


def test_sim_counts_call_rows_in_table_order(pygpu_sim):
    """stats()["calls"] lists calls in the table's order (a Counter of those made)."""
    names = [name for kind, _, name in _rows() if kind == "CALL"]
    g.cudaDeviceSynchronize()
    assert g.cudaRuntimeGetVersion()[1] == g.cudaSuccess
    assert g.cudaGetDeviceCount()[1] == g.cudaSuccess
    g.cudaGetLastError()  # a REPORT row: not counted
    calls = sim.stats()["calls"]
    assert calls == {"cudaGetDeviceCount": 1, "cudaDeviceSynchronize": 1, "cudaRuntimeGetVersion": 1}
    assert list(calls) == [n for n in names if n in calls]
