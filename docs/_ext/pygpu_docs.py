"""Sphinx extension for PyGPU's documentation: the runtime functions and their errors.

Directives (all read the one table, ``PyGPU._runtime_table``, and the installed
``PyGPU._core``):

``.. pygpu-runtime-summary::``
    A table: every runtime function and the errors it can return.
``.. pygpu-runtime-functions:: SECTION``
    One entry per function of a section of the table: its signature and
    docstring (from the module), its errors, and the table's note.
``.. pygpu-common-errors::``
    The errors every call can return.
``.. pygpu-error-codes::``
    Every ``cudaError_t`` constant of ``PyGPU``: name, code, description.
``.. pygpu-dtype-classes:: FAMILY``
    ``.. autoclass::`` for ``PyGPU.FAMILY_<dtype>``, for every dtype.

In a Markdown (MyST) page, put them in an ``{eval-rst}`` block: they emit
reStructuredText.

It also resolves references to ``PyGPU._core.X`` (and other private modules)
to ``PyGPU.X``, where the names are documented, and warns (an error under
``-W``) when the module has a public ``cuda*`` function that the table lacks,
or the table names one the module does not have.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from PyGPU import _runtime_table as runtime_errors

logger = logging.getLogger(__name__)


def core() -> Any:
    import PyGPU._core

    return PyGPU._core


def runtime_functions(module: Any) -> list[str]:
    """The public ``cuda*`` functions of `module` (classes and constants excluded)."""
    return sorted(name for name in dir(module)
                  if name.startswith("cuda") and inspect.isbuiltin(getattr(module, name)))


def _split_top_level(text: str) -> list[str]:
    """Split `text` at the commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _plain_params(text: str) -> str:
    """pybind11's ``a: int, b: object = None`` as ``a, b=None`` (a leading ``self`` dropped)."""
    params: list[str] = []
    for param in _split_top_level(text):
        head, _, default = param.partition("=")
        pname = head.split(":", 1)[0].strip()
        if pname == "self" and not params:
            continue
        params.append(f"{pname}={default.strip()}" if default else pname)
    return ", ".join(params)


_SIGNATURE = re.compile(r"^(?P<name>\w+)\((?P<params>.*)\)(?:\s*->\s*.*)?$")


def signature_and_doc(name: str, function: Any) -> tuple[str, list[str]]:
    """``name(params)`` without the type annotations, and the docstring's text
    lines up to its Errors section (which the build generates from the table
    this page renders itself: tools/gen_runtime_docs.py)."""
    lines = inspect.cleandoc(function.__doc__ or "").splitlines()
    params = ""
    if lines:
        match = _SIGNATURE.match(lines[0].strip())
        if match and match.group("name") == name:
            lines = lines[1:]
            params = _plain_params(match.group("params"))
    for i in range(len(lines) - 1):
        if lines[i] == "Errors" and lines[i + 1] == "------":
            lines = lines[:i]
            break
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return f"{name}({params})", lines


def _errors_rst(errors: dict[str, str]) -> list[str]:
    return [f"* ``{error}``: {when}." for error, when in errors.items()]


class RuntimeSummary(SphinxDirective):
    """The table of every runtime function and its errors."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        rows = [".. list-table::", "   :header-rows: 1", "   :widths: 30 70", "",
                "   * - Function", "     - Errors beyond those of every call"]
        for _title, entries in runtime_errors.SECTIONS:
            for name, (errors, _note) in entries.items():
                listed = ", ".join(f"``{e}``" for e in errors) or "(none)"
                rows += [f"   * - :func:`~PyGPU.{name}`", f"     - {listed}"]
        return self._parse(rows)

    def _parse(self, rst: list[str]) -> list[nodes.Node]:
        node = nodes.container()
        nested_parse_with_titles(self.state, StringList(rst, source="pygpu-docs"), node)
        return node.children


class RuntimeFunctions(RuntimeSummary):
    """One entry per function of a section of the table."""

    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0]
        sections = dict(runtime_errors.SECTIONS)
        if title not in sections:
            raise self.error(f"no section {title!r} in PyGPU._runtime_table.SECTIONS (have: {', '.join(sections)})")
        module = core()
        rst: list[str] = []
        for name, (errors, note) in sections[title].items():
            function = getattr(module, name, None)
            if function is None:
                raise self.error(f"PyGPU/_runtime_table.py lists {name}, which PyGPU._core does not have")
            signature, doc = signature_and_doc(name, function)
            rst += [f".. py:function:: {signature}", "   :module: PyGPU", ""]
            rst += [f"   {line}" if line.strip() else "" for line in doc] + [""]
            hip = "hip" + name[4:]
            rst += [f"   Also ``PyGPU.{hip}``." if hasattr(module, hip) else "", ""]
            if errors:
                rst += ["   **Errors**", ""] + [f"   {line}" for line in _errors_rst(errors)] + [""]
            else:
                rst += ["   **Errors**: only those of every call.", ""]
            if note:
                rst += [f"   {note}", ""]
        return self._parse(rst)


class CommonErrors(RuntimeSummary):
    """The errors every call can return."""

    def run(self) -> list[nodes.Node]:
        return self._parse(_errors_rst(runtime_errors.COMMON))


class ErrorCodes(RuntimeSummary):
    """Every cudaError_t constant: name, code and description."""

    def run(self) -> list[nodes.Node]:
        module = core()
        codes = sorted((getattr(module, name), name) for name in dir(module)
                       if (name == "cudaSuccess" or name.startswith("cudaError"))
                       and isinstance(getattr(module, name), int))
        rows = [".. list-table::", "   :header-rows: 1", "   :widths: 45 10 45", "",
                "   * - Name", "     - Code", "     - Description"]
        for code, name in codes:
            description = module.cudaGetErrorString(code).replace("*", r"\*").replace("`", r"\`")
            rows += [f"   * - ``{name}``", f"     - {code}", f"     - {description}"]
        return self._parse(rows)


class DtypeClasses(RuntimeSummary):
    """``.. autoclass::`` for every ``<family>_<dtype>`` class, one per dtype of ``PyGPU.dtypes``."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        module = core()
        family = self.arguments[0]
        rst: list[str] = []
        for dtype in module.dtypes:
            name = f"{family}_{dtype}"
            if not hasattr(module, name):
                raise self.error(f"PyGPU._core has no {name}")
            rst += [f".. autoclass:: PyGPU.{name}", "   :special-members: __init__", ""]
        return self._parse(rst)


def check_table(app: Sphinx, env: Any) -> None:
    """Warn when the table and PyGPU._core disagree (the doc build fails under -W)."""
    module = core()
    listed = runtime_errors.functions()
    for name in runtime_functions(module):
        if name not in listed:
            logger.warning("PyGPU._core.%s is not in python/PyGPU/_runtime_table.py: add it with its errors", name)
    for name in listed:
        if not hasattr(module, name):
            logger.warning("python/PyGPU/_runtime_table.py lists %s, which PyGPU._core does not have", name)
    for name in runtime_errors.error_names():
        if not hasattr(module, name):
            logger.warning("python/PyGPU/_runtime_table.py names %s, which is not a cudaError_t name", name)


def resolve_private(app: Sphinx, env: Any, node: Any, contnode: Any) -> nodes.Node | None:
    """``PyGPU._core.cudaError_t`` -> ``PyGPU.cudaError_t`` (and the same for other private modules)."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    match = re.match(r"^PyGPU\.(?:\w+\.)*_\w+\.(\w+)$", target) or re.match(r"^PyGPU\._\w+\.(\w+)$", target)
    if not match:
        return None
    public = f"PyGPU.{match.group(1)}"
    domain = env.get_domain("py")
    node["reftarget"] = public
    found = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], public, node, contnode)
    if found is None:  # the object is documented under another role (a class referred to as obj...)
        found = domain.resolve_any_xref(env, node["refdoc"], app.builder, public, node, contnode)
        found = found[0][1] if found else None
    if found is None:
        node["reftarget"] = target
    return found


def public_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Show public bases only: pybind11's internal base goes, a private base is replaced by its bases."""
    out: list[Any] = []
    pending = list(bases)
    while pending:
        base = pending.pop(0)
        module = getattr(base, "__module__", "")
        if module == "pybind11_builtins" or base is object:
            continue
        if base.__name__.startswith("_"):
            pending[:0] = [b for b in base.__bases__ if b not in out]
            continue
        if base not in out:
            out.append(base)
    bases[:] = out or [object]


def plain_signature(app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None,
                    return_annotation: str | None) -> tuple[str | None, str | None] | None:
    """pybind11 signatures without type annotations and ``self``, as autodoc shows Python ones."""
    if not signature or ":" not in signature or not signature.startswith("("):
        return None
    return f"({_plain_params(signature[1:-1])})", None


_OVERLOAD = re.compile(r"^(?P<n>\d+)\. (?P<name>\w+)\((?P<params>.*)\)(?:\s*->\s*.*)?$")


def plain_overloads(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """pybind11's "Overloaded function." lists: each overload as a plain signature in a literal."""
    for i, line in enumerate(lines):
        match = _OVERLOAD.match(line)
        if match:
            lines[i] = f"{match.group('n')}. ``{match.group('name')}({_plain_params(match.group('params'))})``"


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("pygpu-runtime-summary", RuntimeSummary)
    app.add_directive("pygpu-runtime-functions", RuntimeFunctions)
    app.add_directive("pygpu-common-errors", CommonErrors)
    app.add_directive("pygpu-error-codes", ErrorCodes)
    app.add_directive("pygpu-dtype-classes", DtypeClasses)
    app.connect("env-check-consistency", check_table)
    app.connect("missing-reference", resolve_private)
    app.connect("autodoc-process-bases", public_bases)
    app.connect("autodoc-process-signature", plain_signature)
    app.connect("autodoc-process-docstring", plain_overloads)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
