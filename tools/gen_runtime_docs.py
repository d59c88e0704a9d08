"""Write the docstrings of PyGPU._core's runtime functions as a C++ header.

Run by CMake at build time (the output is ``runtime_docs.h`` in the build
directory, compiled in by ``bindings/runtime_doc.cpp``), so that
``help(PyGPU.cudaMemcpy)`` shows what the documentation site shows, from the
same sources and without reading anything at import:

- the signature line: the function's parameters and return type as
  ``python/PyGPU/_core.pyi`` declares them, the stub's private aliases written
  out (``_Result[int]`` is ``tuple[int | None, cudaError_t]``);
- the summary: the string the binding passes (``def_runtime`` in bindings/);
- the errors, those of every call, and the note: ``python/PyGPU/_runtime_table.py``,
  the table the documentation renders.

Usage::

    python tools/gen_runtime_docs.py OUTPUT.h   # write the header
    python tools/gen_runtime_docs.py --show cudaMemcpy   # print one docstring (less its summary)

Reads its two inputs by path: PyGPU need not be installed (or buildable) yet.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "python" / "PyGPU" / "_runtime_table.py"
STUB = ROOT / "python" / "PyGPU" / "_core.pyi"

# Where the docstring's own part ends and the generated sections begin: the
# documentation site cuts there (docs/_ext/pygpu_docs.py), as it renders the
# table itself.
ERRORS_HEADING = "Errors\n------\n"
WIDTH = 79

# The stub's private aliases, as a reader of help() should see them.
ALIASES = {
    "SupportsIndex": "int",
    "_Address": "Address",
    "_Stream": "cudaStream_t | int | None",
    "_T": "object",
    "_Buffer": "Buffer",
    "_Dim3": "int | tuple[int, ...]",
    "_MemPool": "cudaMemPool_t | int",
}
ADDRESS_NOTE = ("Address: an int, a pointer_wrapper_<dtype>, a buffer (such as a numpy array) or an object with "
                "__cuda_array_interface__.")


def load_table() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pygpu_runtime_table", TABLE)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{TABLE}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Unalias(ast.NodeTransformer):
    """The stub's aliases in an annotation written out."""

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "_Result":  # (value, err)
            value = ast.unparse(self.visit(node.slice))
            return ast.parse(f"tuple[{value} | None, cudaError_t]", mode="eval").body
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in ALIASES:
            return ast.parse(ALIASES[node.id], mode="eval").body
        if node.id.startswith("_"):
            raise SystemExit(f"{STUB}: no reading for the alias {node.id}; add one to ALIASES in {__file__}")
        return node


def _annotation(node: ast.expr | None) -> str:
    return "" if node is None else ast.unparse(_Unalias().visit(node))


def stub_functions() -> dict[str, list[ast.FunctionDef]]:
    """The module-level functions of the stub, with their overloads."""
    out: dict[str, list[ast.FunctionDef]] = {}
    for node in ast.parse(STUB.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            out.setdefault(node.name, []).append(node)
    return out


def signature(name: str, overloads: list[ast.FunctionDef]) -> str:
    """One signature line for the function: its overloads merged (the runtime
    function is one; the stub splits it only for precise types), the last
    overload's annotations, and a parameter absent from an overload optional."""
    last = overloads[-1]
    if last.args.vararg or last.args.kwarg or last.args.kwonlyargs or last.args.posonlyargs:
        raise SystemExit(f"{STUB}: {name} has parameters a pybind11 function does not have")
    params = last.args.args
    defaults: dict[str, str] = {}
    for overload in overloads:
        args = overload.args.args
        for arg, default in zip(args[len(args) - len(overload.args.defaults):], overload.args.defaults):
            defaults.setdefault(arg.arg, ast.unparse(default))
    everywhere = set.intersection(*({a.arg for a in o.args.args} for o in overloads))
    parts = []
    for arg in params:
        text = f"{arg.arg}: {_annotation(arg.annotation)}"
        if arg.arg in defaults:
            text += f" = {defaults[arg.arg]}"
        elif arg.arg not in everywhere:
            text += " = None"
        parts.append(text)
    return f"{name}({', '.join(parts)}) -> {_annotation(last.returns)}"


def _item(head: str, body: str) -> list[str]:
    return [head, *textwrap.wrap(body, WIDTH, initial_indent="    ", subsequent_indent="    ")]


def sections(errors: dict[str, str], note: str, common: dict[str, str], uses_address: bool) -> str:
    """The Errors and Notes sections of a function's docstring."""
    lines = ERRORS_HEADING.splitlines()
    for error, when in errors.items():
        lines += _item(error, when + ".")
    also = "Any call can also return" if errors else "Only those any call can return:"
    lines += textwrap.wrap(f"{also} {', '.join(common)}.", WIDTH)
    notes = [note] if note else []
    if uses_address:
        notes.append(ADDRESS_NOTE)
    if notes:
        lines += ["", "Notes", "-----"]
        for text in notes:
            lines += textwrap.wrap(text, WIDTH)
    return "\n".join(lines)


def docs() -> list[tuple[str, str, str]]:
    """(name, signature line, sections) for every function of the table."""
    table = load_table()
    stub = stub_functions()
    out = []
    for name, (errors, note) in table.functions().items():
        if name not in stub:
            raise SystemExit(f"{TABLE} lists {name}, which {STUB} does not declare")
        line = signature(name, stub[name])
        out.append((name, line, sections(errors, note, table.COMMON, "Address" in line)))
    return out


def c_string(text: str, indent: str) -> str:
    """`text` as adjacent C++ string literals, one per line, non-ASCII as octal escapes."""
    def escape(line: str) -> str:
        out = []
        for ch in line:
            if ch in '"\\':
                out.append("\\" + ch)
            elif ch == "\n":
                out.append("\\n")
            elif " " <= ch <= "~":
                out.append(ch)
            else:
                out.extend(f"\\{b:03o}" for b in ch.encode())
        return '"' + "".join(out) + '"'
    lines = text.split("\n")
    parts = [escape(line + "\n") for line in lines[:-1]] + [escape(lines[-1])]
    return f"\n{indent}".join(parts)


def header() -> str:
    entries = []
    for name, line, body in docs():
        entries.append(f"    {{{c_string(name, '     ')},\n     {c_string(line, '     ')},\n"
                       f"     {c_string(body, '     ')}}},")
    return "\n".join([
        "// Generated by tools/gen_runtime_docs.py from python/PyGPU/_runtime_table.py and",
        "// python/PyGPU/_core.pyi at build time: edit those, not this file.",
        "#ifndef PYGPU_GENERATED_RUNTIME_DOCS_H",
        "#define PYGPU_GENERATED_RUNTIME_DOCS_H",
        "",
        "namespace pygpu::runtime_docs {",
        "",
        "struct Entry {",
        "    const char* name;       // cudaMemcpy",
        "    const char* signature;  // the docstring's first line",
        "    const char* sections;   // Errors and Notes, after the binding's summary",
        "};",
        "",
        "inline constexpr Entry kEntries[] = {",
        *entries,
        "};",
        "",
        "}  // namespace pygpu::runtime_docs",
        "",
        "#endif  // PYGPU_GENERATED_RUNTIME_DOCS_H",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("output", nargs="?", type=Path, help="the header to write")
    parser.add_argument("--show", metavar="NAME", help="print the generated part of NAME's docstring")
    args = parser.parse_args(argv)
    if args.show:
        for name, line, body in docs():
            if name == args.show:
                print(f"{line}\n\n<summary>\n\n{body}")
                return 0
        print(f"{args.show} is not in {TABLE}", file=sys.stderr)
        return 1
    if args.output is None:
        parser.error("give the header to write, or --show NAME")
    text = header()
    if not args.output.is_file() or args.output.read_text() != text:  # unchanged: no rebuild
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
