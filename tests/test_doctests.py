"""The docstring examples of the installed PyGPU package, run as doctests on
the simulated device (conftest.py selects it), and a check that none can be
forgotten: every public function, class and method of every public
module has a numpydoc ``Examples`` section with at least one ``>>>`` line.

Modules are discovered with pkgutil from the installed package, so a new
module is covered without editing this file. Only modules written in Python
are collected: the compiled ones (``_core``, the ``_backend_*`` plug-ins) are
documented by their stubs (``_core.pyi``) and checked by tests/test_typing.py.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import io
import pkgutil
import re
import types
from typing import Any

import numpy as np
import pytest

import PyGPU

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# numpy's default print options, set explicitly around every run so that an
# earlier test that changed them cannot change what the examples print.
NUMPY_PRINT_DEFAULTS: dict[str, Any] = {
    "edgeitems": 3, "infstr": "inf", "linewidth": 75, "nanstr": "nan", "precision": 8, "suppress": False,
    "threshold": 1000, "formatter": None, "sign": "-", "floatmode": "maxprec", "legacy": False,
}

# A numpydoc Examples section (as inspect.getdoc leaves it: dedented), then a
# doctest prompt somewhere after the heading.
EXAMPLES = re.compile(r"^Examples\n-{3,}\n(?:.*\n)*?\s*>>> ", re.MULTILINE)


def _python_modules() -> list[str]:
    """PyGPU and its submodules (at any depth) that are Python source files."""
    names = ["PyGPU"]
    names += [info.name for info in pkgutil.walk_packages(PyGPU.__path__, prefix="PyGPU.")]
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None and spec.origin.endswith(".py"):
            found.append(name)
    return sorted(found)


MODULES = _python_modules()


def test_discovery_finds_the_package() -> None:
    """The discovery is not vacuous: it sees the modules every install has."""
    expected = {"PyGPU", "PyGPU.gpuarray", "PyGPU.driver", "PyGPU.sim", "PyGPU.testing", "PyGPU._dlpack",
                "PyGPU._layout", "PyGPU._copy", "PyGPU._convert", "PyGPU._errors", "PyGPU.__main__"}
    assert expected <= set(MODULES), f"not discovered: {sorted(expected - set(MODULES))}"
    assert all(importlib.util.find_spec(name).origin.startswith(PyGPU.__path__[0]) for name in MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    """Every example in the module's docstrings runs and prints what it shows."""
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report = io.StringIO()
    with np.printoptions(**NUMPY_PRINT_DEFAULTS):
        for test in finder.find(module, name):
            runner.run(test, out=report.write)
    results = runner.summarize(verbose=False)
    if results.failed:
        pytest.fail(f"{results.failed} of {results.attempted} doctest examples failed in {name}:\n"
                    f"{report.getvalue()}", pytrace=False)


def _public_members(module: types.ModuleType) -> list[tuple[str, object]]:
    """(qualified name, object) of the public functions, classes and methods
    defined in `module` (a property's docstring is one line): names without a leading underscore, plus
    the module's ``__all__``, that the module itself defines (imports and
    re-exports are checked where they are defined). A private module
    (``PyGPU._memory``) has none: its classes and functions that are public
    carry the public module's name (``PyGPU.driver``) and are checked there,
    and its internal helpers get a one-line docstring."""
    if any(part.startswith("_") and not part.startswith("__") for part in module.__name__.split(".")):
        return []
    names = [name for name in vars(module) if not name.startswith("_")]
    names += [name for name in getattr(module, "__all__", ()) if name not in names]
    members: list[tuple[str, object]] = []
    for name in names:
        obj = getattr(module, name, None)
        if not (inspect.isclass(obj) or callable(obj)) or getattr(obj, "__module__", None) != module.__name__:
            continue
        members.append((name, obj))
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                member = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
                if not attr.startswith("_") and inspect.isfunction(member):  # a property: one line is enough
                    members.append((f"{name}.{attr}", member))
    return members


def _missing_examples(module: types.ModuleType) -> list[str]:
    """The public members of `module` whose docstring has no Examples section with ``>>>``."""
    return [qualname for qualname, obj in _public_members(module)
            if not EXAMPLES.search((inspect.getdoc(obj) or "") + "\n")]


@pytest.mark.parametrize("name", MODULES)
def test_public_names_have_examples(name: str) -> None:
    """Every public function, class and method has a numpydoc Examples section."""
    module = importlib.import_module(name)
    missing = _missing_examples(module)
    assert not missing, (f"{name}: {len(missing)} public name(s) without a numpydoc 'Examples' section "
                         f"containing '>>>': {', '.join(missing)}")


def test_the_examples_check_can_fail() -> None:
    """The completeness check finds what lacks an example, and accepts what has one."""
    module = types.ModuleType("fake_module")

    def documented() -> None:
        """Summary.

        Examples
        --------
        >>> 1 + 1
        2
        """

    def undocumented() -> None:
        """Summary, and an example that is not in an Examples section.

        >>> 1 + 1
        2
        """

    class Thing:
        """A class.

        Examples
        --------
        >>> Thing().size
        1
        """

        @property
        def size(self) -> int:
            """One line, no example."""
            return 1

        def method(self) -> None:
            """Summary.

            Examples
            --------
            Text first, then the prompt:

            >>> Thing().method()
            """

        def _private(self) -> None:
            pass

    for obj in (documented, undocumented, Thing):
        obj.__module__ = module.__name__
        setattr(module, obj.__name__, obj)
    module.imported = np.zeros  # defined elsewhere: not this module's to document
    assert _missing_examples(module) == ["undocumented"]  # Thing.size is a property: one line is enough
    private = types.ModuleType("package._private")
    undocumented.__module__ = private.__name__
    private.undocumented = undocumented
    assert _missing_examples(private) == []  # an internal helper: one line is enough
