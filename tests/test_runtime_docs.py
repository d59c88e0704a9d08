"""The docstrings of the runtime functions (help(PyGPU.cudaMemcpy)): the
signature line with the stub's types and the (value, err) return, the
binding's summary, and every error of python/PyGPU/_runtime_table.py (the
table the documentation renders), generated at build time
(tools/gen_runtime_docs.py, bindings/runtime_doc.h)."""

from __future__ import annotations

import pydoc
import subprocess
import sys

import pytest

import PyGPU as g
from PyGPU import _runtime_table as table

FUNCTIONS = table.functions()


MEMCPY = "cudaMemcpy(dst: Address, src: Address, count: int, kind: int) -> cudaError_t"
MEMCPY_ASYNC = ("cudaMemcpyAsync(dst: Address, src: Address, count: int, kind: int, "
                "stream: cudaStream_t | int | None = None) -> cudaError_t")
MALLOC = "cudaMalloc(size: int, label: str | None = None) -> tuple[pointer_wrapper_void | None, cudaError_t]"
ELAPSED = "cudaEventElapsedTime(start: cudaEvent_t, end: cudaEvent_t) -> tuple[float | None, cudaError_t]"
HOST_FUNC = ("cudaLaunchHostFunc(stream: cudaStream_t | int | None, fn: Callable[[object], object], "
             "userData: object = None) -> cudaError_t")


@pytest.mark.parametrize(("name", "signature"), [
    ("cudaMemcpy", MEMCPY),
    ("cudaMemcpyAsync", MEMCPY_ASYNC),
    ("cudaMalloc", MALLOC),
    ("cudaGetDevice", "cudaGetDevice() -> tuple[int | None, cudaError_t]"),
    ("cudaMemGetInfo", "cudaMemGetInfo() -> tuple[tuple[int, int] | None, cudaError_t]"),
    ("cudaEventElapsedTime", ELAPSED),
    ("cudaLaunchHostFunc", HOST_FUNC),
    ("cudaGetErrorName", "cudaGetErrorName(error: cudaError_t | int) -> str"),
])
def test_the_signature_line_has_the_types_and_the_return(name, signature):
    doc = getattr(g, name).__doc__
    assert doc.splitlines()[0] == signature
    assert "object" not in signature.replace("[object]", "").replace(", object]", "").replace("object = None", "")


def test_help_shows_signature_summary_errors_and_notes():
    text = pydoc.render_doc(g.cudaMemcpy, renderer=pydoc.plaintext)
    lines = [line.strip() for line in text.splitlines()]
    start = lines.index(MEMCPY)
    assert lines[start + 2] == "Copy `count` bytes (synchronous as documented for cudaMemcpy)."
    assert lines[start + 4: start + 7] == ["Errors", "------", "cudaErrorInvalidValue"]
    assert "cudaErrorInvalidMemcpyDirection" in lines
    assert "A count of 0 moves nothing and succeeds (the kind is still checked)." in lines
    assert "Address: an int, a pointer_wrapper_<dtype>, a buffer (such as a numpy array) or" in lines
    assert "(dst: object" not in text  # pybind11's own signature line is gone


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_error_of_the_table_is_in_the_docstring(name):
    doc = getattr(g, name).__doc__
    errors, note = FUNCTIONS[name]
    assert doc.startswith(f"{name}(") and ") -> " in doc.splitlines()[0]
    listed = doc.split("\nErrors\n------\n", 1)[1]
    for error in errors:  # each as an entry of its own, with when it happens
        assert f"\n{error}\n    " in f"\n{listed}", f"{name}: {error} is not listed"
    for error in table.COMMON:
        assert error in " ".join(listed.split()), f"{name}: {error} (every call) is not listed"
    if note:
        assert " ".join(note.split()) in " ".join(doc.split())
    assert getattr(g, "hip" + name[4:]).__doc__ == doc  # the hip* alias is the same function


def test_the_summary_of_the_binding_is_kept():
    doc = g.cudaStreamQuery.__doc__.splitlines()
    assert doc[1] == ""
    assert doc[2] == "cudaSuccess when the stream's work is done, cudaErrorNotReady while pending."


def test_import_does_not_read_the_table():
    code = "import sys, PyGPU; print('PyGPU._runtime_table' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
