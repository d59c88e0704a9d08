"""The typed surface of the built module: the stubs of PyGPU._core cannot drift
from the C++ tables or from the bindings (stubtest and the signatures pybind11
records), and the installed package is typed.

The linters are CI's lint step, not tests: ``python tools/lint.py`` runs ruff,
``mypy --strict`` on the package, and mypy on tests/typing/user_script.py
(passes) and reject_script.py (fails on exactly its marked lines). stubtest
stays here: it checks the stub against the built module, as the signature
tests do. mypy comes with the ``test`` extra (``pip install ".[test]"``);
stubtest fails, never skips, when it is missing. Its cache lives in pytest's
cache directory.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import PyGPU
from PyGPU import _core

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "python" / "PyGPU"
TYPING = Path(__file__).resolve().parent / "typing"
ALLOWLIST = TYPING / "stubtest_allowlist.txt"
INSTALLED = Path(PyGPU.__file__).resolve().parent


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYGPU_BACKEND": "sim", **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=600, check=False)


def tool_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, name: str) -> str:
    """A cache directory for a tool: in pytest's cache, or a temporary one when that is off."""
    cache = getattr(request.config, "cache", None)
    return str(cache.mkdir(name) if cache is not None else tmp_path_factory.mktemp(name))


@pytest.fixture(scope="module")
def mypy_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return tool_cache(request, tmp_path_factory, "mypy")


# ------------------------------------------------------------------- stubs ---
def test_stub_blocks_match_the_cpp_tables() -> None:
    result = run([str(ROOT / "tools" / "gen_core_stub.py"), "--check"])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.build
def test_stubtest_against_the_built_module(tmp_path: Path, mypy_cache: str) -> None:
    """Every public name in both, same kinds (function, class, property...),
    Final values; the checked-in stub alone, against the installed module (the
    rest of the package is checked by mypy --strict in tools/lint.py)."""
    stubs = tmp_path / "PyGPU"
    stubs.mkdir()
    (stubs / "__init__.pyi").write_text("")
    (stubs / "_core.pyi").write_text((SOURCE / "_core.pyi").read_text())
    allowlists = ["--allowlist", str(ALLOWLIST)]
    if sys.version_info < (3, 12):
        allowlists += ["--allowlist", str(TYPING / "stubtest_allowlist_py311.txt")]
    result = run(["-m", "mypy.stubtest", "PyGPU._core", *allowlists, "--concise"],
                 env={"MYPYPATH": str(tmp_path), "MYPY_CACHE_DIR": f"{mypy_cache}-stubtest"}, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def stub_module() -> ast.Module:
    return ast.parse((SOURCE / "_core.pyi").read_text())


# A parameter: (name, has a default); positional-only ones are named "/" (pybind11
# calls them arg0, arg1... and a stub may name them as it likes).
Param = tuple[str, bool]


def stub_signatures() -> dict[str, list[list[Param]]]:
    """The overloads of the stub's functions and methods ("Class.method"), without self."""
    out: dict[str, list[list[Param]]] = {}

    def params(fn: ast.FunctionDef, method: bool) -> list[Param]:
        a = fn.args
        assert a.vararg is None and a.kwarg is None and not a.kwonlyargs, f"{fn.name}: pybind11 has no such parameters"
        positional = [*a.posonlyargs, *a.args]
        first_default = len(positional) - len(a.defaults)
        out = [("/" if i < len(a.posonlyargs) else p.arg, i >= first_default) for i, p in enumerate(positional)]
        return out[1:] if method else out

    for node in stub_module().body:
        if isinstance(node, ast.FunctionDef):
            out.setdefault(node.name, []).append(params(node, False))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out.setdefault(f"{node.name}.{item.name}", []).append(params(item, True))
    return out


def parse_params(text: str) -> list[Param]:
    """The parameters of a signature's parameter list (pybind11's or a docstring's)."""
    params: list[Param] = []
    depth, current = 0, ""
    for ch in text + ",":  # split on top-level commas only
        depth += (ch in "([{") - (ch in ")]}")
        if ch != "," or depth != 0:
            current += ch
            continue
        pname = current.split(":")[0].split("=")[0].strip()
        if pname:
            params.append(("/" if re.fullmatch(r"arg\d+", pname) else pname, "=" in current))
        current = ""
    return params


def runtime_signatures(obj: object, method: bool) -> list[list[Param]]:
    """The overloads pybind11 lists at the top of a docstring, without self."""
    name = getattr(obj, "__name__", "")
    out = []
    for line in (getattr(obj, "__doc__", None) or "").splitlines():
        m = re.match(rf"^(?:\d+\. )?{re.escape(name)}\((.*)\) -> .*$", line)
        if m is not None:
            params = parse_params(m.group(1))
            out.append(params[1:] if method else params)
    assert out, f"{name}: no pybind11 signature in its docstring"
    return out


def bound_signatures(function: Any) -> list[list[Param]]:
    """The overloads of a module-level function as pybind11 bound them (its
    py::arg names and defaults), from the TypeError it raises when none accepts
    the arguments: the runtime functions' docstrings are generated from the
    stub (bindings/runtime_doc.h), so they cannot tell whether the two agree.
    A plain CPython function of the bindings (METH_FASTCALL, such as
    _launch_packed) declares its signature in __text_signature__ instead."""
    if getattr(function, "__text_signature__", None):
        return [[("/" if p.kind is p.POSITIONAL_ONLY else p.name, p.default is not p.empty)
                 for p in inspect.signature(function).parameters.values()]]
    with pytest.raises(TypeError, match="incompatible function arguments") as info:
        function(*[object()] * 40)  # more arguments than any function takes: nothing runs
    found = re.findall(r"^\s+\d+\. \((.*)\) -> .*$", str(info.value), re.MULTILINE)
    assert found, f"{function.__name__}: no signature in pybind11's TypeError: {info.value}"
    return [parse_params(params) for params in found]


# Constructors of the per-dtype classes' bases (DeviceArray_<dtype> etc. are
# made at import as subclasses that inherit them): on the bases themselves
# they raise TypeError, so the stub declares them on the per-dtype classes,
# where runtime_callables() checks them.
FAMILY_BASE_CONSTRUCTORS = {"DeviceArray.__init__", "HostAllocator.__init__"}


def runtime_callables() -> dict[str, object]:
    """Module-level functions (hip* aliases aside), the methods each _core class
    defines, and the bound methods a class inherits where the stub declares them
    on it (the per-dtype classes' constructors)."""
    out: dict[str, object] = {}
    stub = stub_signatures()
    for name in dir(_core):
        obj = getattr(_core, name)
        if type(obj).__name__ == "builtin_function_or_method" and not name.startswith("hip"):
            out[name] = obj
        elif isinstance(obj, type) and obj.__module__ == "PyGPU._core" and obj.__name__ == name:
            for attr in dir(obj):
                value = getattr(obj, attr)
                # __repr__ is object's, _pybind11_conduit_v1_ pybind11's cross-module ABI hook
                if type(value).__name__ != "instancemethod" or attr in ("__repr__", "_pybind11_conduit_v1_"):
                    continue
                if attr in vars(obj) or f"{name}.{attr}" in stub:
                    out[f"{name}.{attr}"] = value
    for name in FAMILY_BASE_CONSTRUCTORS:
        assert name in out and name not in stub, name
        del out[name]
    return out


def restricts(stub: list[Param], runtime: list[Param]) -> bool:
    """Whether a stub overload is a narrower form of the runtime signature: the
    same parameters in order, some optional ones left out or made required."""
    names = [n for n, _ in runtime]
    if [n for n, _ in stub] != [n for n in names if n in {s for s, _ in stub}]:
        return False
    required = {n for n, has_default in runtime if not has_default}
    return required <= {n for n, _ in stub} and all(not d or dict(runtime)[n] for n, d in stub)


def test_stub_signatures_match_the_bindings() -> None:
    """stubtest cannot read the signatures of pybind11 functions (they have no
    __text_signature__): compare the parameter names, their order and their
    defaults with the signatures pybind11 writes in the docstrings."""
    stub = stub_signatures()
    problems = []
    callables = runtime_callables()
    for name, obj in sorted(callables.items()):
        if name not in stub:
            problems.append(f"{name}: in the bindings, not in the stub")
            continue
        method = "." in name
        runtime, declared = (runtime_signatures(obj, True) if method else bound_signatures(obj)), stub[name]
        if len(runtime) == len(declared):
            same = runtime == declared
        else:  # the stub splits one signature into overloads (precise types per form)
            same = len(runtime) == 1 and all(restricts(s, runtime[0]) for s in declared) and \
                {n for s in declared for n, _ in s} == {n for n, _ in runtime[0]}
        if not same:
            problems.append(f"{name}: bindings {runtime} != stub {declared}")
    assert len(callables) > 150
    assert not problems, "\n".join(problems)


def test_runtime_docstrings_name_the_bound_parameters() -> None:
    """The runtime functions' docstrings begin with a signature written from
    the stub (bindings/runtime_doc.h): the same names and defaults as pybind11
    bound, so help() cannot show parameters a call would refuse."""
    checked = 0
    for name in dir(_core):
        function = getattr(_core, name)
        if not name.startswith("cuda") or type(function).__name__ != "builtin_function_or_method":
            continue
        first = function.__doc__.splitlines()[0]
        m = re.match(rf"^{name}\((.*)\) -> \S.*$", first)
        assert m is not None, f"{name}: no signature line: {first!r}"
        assert [parse_params(m.group(1))] == bound_signatures(function), name
        checked += 1
    assert checked >= 50


def test_stub_constants_match_the_module() -> None:
    """Every `NAME: Final = value` of the stub has that value at run time."""
    checked = 0
    for node in stub_module().body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None \
                and ast.unparse(node.annotation) == "Final":
            assert getattr(_core, node.target.id) == ast.literal_eval(node.value), node.target.id
            checked += 1
    assert checked > 2 * 134  # the error codes and their hip* names, flags, kinds


def test_installed_package_is_typed() -> None:
    """The wheel ships the PEP 561 marker and the stubs as checked in."""
    assert (INSTALLED / "py.typed").is_file()
    for stub in sorted(SOURCE.glob("*.pyi")):
        installed = INSTALLED / stub.name
        assert installed.is_file(), f"{stub.name} is not installed"
        assert installed.read_text() == stub.read_text(), f"the installed {stub.name} is not the checked-in one"


# ------------------------------------------------------------- user script ---
def test_the_user_script_runs() -> None:
    result = run([str(TYPING / "user_script.py")], env={"PYGPU_SIM_DEVICES": "2"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sim" in result.stdout
