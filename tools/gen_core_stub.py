"""Write the generated blocks of python/PyGPU/_core.pyi from the C++ tables.

The stub of PyGPU._core is hand-written where the bindings are (one function
or class at a time), and generated where the bindings are generated from a
table, so that a new dtype, error code or device property is one line in C++
and nothing to remember here:

- ``errors``: one constant per line of include/pygpu/cuda_errors.def;
- ``pointers``, ``device arrays``, ``allocators``: the per-dtype classes
  (pointer_wrapper_<dtype>, DeviceArray_<dtype>, HostAllocator_<dtype>,
  PagelockedAllocator_<dtype>) from PYGPU_DTYPES in include/pygpu/dtypes.h;
- ``device properties``: the cudaDeviceProp fields of include/pygpu/backend.h;
- ``hip aliases``: a hip* name for every cuda* name of the stub, as
  bindings/main.cpp adds them at run time (its kHipNames table included).

Usage, from the repository root::

    python tools/gen_core_stub.py           # rewrite the blocks in place
    python tools/gen_core_stub.py --check   # exit 1 if a block is out of date

tests/test_typing.py runs the check, and mypy.stubtest against the built
module, so the stub cannot drift from the bindings.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
STUB = ROOT / "python" / "PyGPU" / "_core.pyi"
DTYPES_H = ROOT / "include" / "pygpu" / "dtypes.h"
BACKEND_H = ROOT / "include" / "pygpu" / "backend.h"
ERRORS_DEF = ROOT / "include" / "pygpu" / "cuda_errors.def"
MAIN_CPP = ROOT / "bindings" / "main.cpp"
INIT = ROOT / "python" / "PyGPU" / "__init__.py"

# The names of _core that `import PyGPU` re-exports (PyGPU.__all__).
LOW_LEVEL_PREFIXES = ("cuda", "hip", "pointer_wrapper", "DeviceArray", "HostAllocator", "PagelockedAllocator")

BLOCK = re.compile(r"^(?P<indent>[ ]*)# <generated: (?P<name>[a-z -]+)>\n.*?^[ ]*# </generated: (?P=name)>\n",
                   re.MULTILINE | re.DOTALL)


class Dtype(NamedTuple):
    name: str  # "float32"
    kind: str  # numpy kind: i u f c b

    @property
    def scalar(self) -> str:
        """The numpy scalar type, as the stub spells it."""
        return "np.bool_" if self.name == "bool" else f"np.{self.name}"


class Prop(NamedTuple):
    name: str
    length: int  # 0 for a scalar, else the tuple length


def read_dtypes() -> list[Dtype]:
    found = re.findall(r"^\s*X\((\w+),\s*[^\"]+,\s*\"[^\"]+\",\s*'(\w)'\)", DTYPES_H.read_text(), re.MULTILINE)
    if not found:
        raise SystemExit(f"{DTYPES_H}: no PYGPU_DTYPES entries found")
    return [Dtype(name, kind) for name, kind in found]


def read_errors() -> list[tuple[str, int]]:
    found = re.findall(r"^\s*X\((-?\d+),\s*(\w+),", ERRORS_DEF.read_text(), re.MULTILINE)
    if not found:
        raise SystemExit(f"{ERRORS_DEF}: no PYGPU_CUDA_ERRORS entries found")
    return [(name, int(code)) for code, name in found]


def read_props() -> list[Prop]:
    text = BACKEND_H.read_text()
    scalars = re.search(r"#define PYGPU_DEVICE_PROP_SCALARS\(X\)(.*?)\n\n", text, re.DOTALL)
    arrays = re.search(r"#define PYGPU_DEVICE_PROP_ARRAYS\(A\)(.*?)\n\n", text, re.DOTALL)
    if scalars is None or arrays is None:
        raise SystemExit(f"{BACKEND_H}: PYGPU_DEVICE_PROP_SCALARS or PYGPU_DEVICE_PROP_ARRAYS not found")
    props = [Prop(name, 0) for name in re.findall(r"X\(\w+,\s*(\w+),", scalars.group(1))]
    props += [Prop(name, int(n)) for name, n in re.findall(r"A\(\w+,\s*(\w+),\s*(\d+),", arrays.group(1))]
    return props


def read_hip_names() -> list[tuple[str, str]]:
    table = re.search(r"kHipNames = \{(.*?)\};", MAIN_CPP.read_text(), re.DOTALL)
    if table is None:
        raise SystemExit(f"{MAIN_CPP}: kHipNames not found")
    return re.findall(r"\{\"(cuda\w+)\",\s*\"(hip\w+)\"\}", table.group(1))


# ------------------------------------------------------------------ blocks ---
def block_errors() -> list[str]:
    return [f"{name}: Final = {code}" for name, code in read_errors()]


def block_pointers() -> list[str]:
    out = []
    for dt in read_dtypes():
        cls = f"pointer_wrapper_{dt.name}"
        out += [
            f"class {cls}(pointer_wrapper_void):",
            "    def __init__(self, address: SupportsIndex) -> None: ...",
            "    @property",
            f"    def dtype(self) -> np.dtype[{dt.scalar}]: ...",
            f"    def get(self, i: SupportsIndex = 0) -> {dt.scalar}: ...",
            f"    def __getitem__(self, i: SupportsIndex, /) -> {dt.scalar}: ...",
            f"    def __add__(self, n: SupportsIndex, /) -> {cls}: ...",
            "",
        ]
    return out[:-1]


def block_device_arrays() -> list[str]:
    out = []
    for dt in read_dtypes():
        ptr = f"pointer_wrapper_{dt.name}"
        out += [
            f"class DeviceArray_{dt.name}(DeviceArray):",
            "    @overload",
            "    def __init__(self, buffer: _Buffer) -> None: ...",
            "    @overload",
            "    def __init__(self, shape: _Shape, order: _Order = \"C\") -> None: ...",
            "    @overload",
            f"    def __init__(self, host: {ptr}, shape: _Shape, order: _Order = \"C\") -> None: ...",
            "    @overload",
            "    def __init__(",
            "        self,",
            "        host_address: SupportsIndex,",
            "        device_address: SupportsIndex,",
            "        shape: _Shape,",
            "        order: _Order = \"C\",",
            "    ) -> None: ...",
            "    @overload",
            f"    def __array__(self, dtype: None = None, copy: bool | None = None) -> npt.NDArray[{dt.scalar}]: ...",
            "    @overload",
            "    def __array__(self, dtype: npt.DTypeLike, copy: bool | None = None) -> npt.NDArray[Any]: ...",
            f"    def host_data(self) -> {ptr}: ...",
            f"    def device_data(self) -> {ptr}: ...",
            "    @property",
            f"    def dtype(self) -> np.dtype[{dt.scalar}]: ...",
            "",
        ]
    return out[:-1]


def block_allocators() -> list[str]:
    out = []
    for dt in read_dtypes():
        for kind, base in (("HostAllocator", "HostAllocator"), ("PagelockedAllocator", "PagelockedAllocator")):
            out += [
                f"class {kind}_{dt.name}({base}):",
                "    @overload",
                "    def __init__(self) -> None: ...",
                "    @overload",
                "    def __init__(self, n: SupportsIndex) -> None: ...",
                f"    def ptr(self) -> pointer_wrapper_{dt.name}: ...",
                "    @property",
                f"    def dtype(self) -> np.dtype[{dt.scalar}]: ...",
                "",
            ]
    return out[:-1]


def block_device_properties() -> list[str]:
    out = []
    for prop in read_props():
        kind = "int" if prop.length == 0 else "tuple[" + ", ".join(["int"] * prop.length) + "]"
        out += ["@property", f"def {prop.name}(self) -> {kind}: ..."]
    return out


def cuda_names(stub_text: str) -> list[str]:
    """The module-level cuda* names the stub defines outside the hip block, in order."""
    without_hip = BLOCK.sub(lambda m: "" if m.group("name") == "hip aliases" else m.group(0), stub_text)
    names = []
    for node in ast.parse(without_hip).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return list(dict.fromkeys(n for n in names if n.startswith("cuda")))


def block_hip_aliases(stub_text: str) -> list[str]:
    """As add_hip_aliases() in bindings/main.cpp: "hip" + the rest for every
    cuda* name, then kHipNames, never replacing a name that exists."""
    module = ast.parse(BLOCK.sub(lambda m: "" if m.group("name") == "hip aliases" else m.group(0), stub_text))
    finals: dict[str, str] = {}  # constants are restated (an alias of a Final would lose its literal type)
    for node in module.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            annotation = ast.unparse(node.annotation)
            value = f" = {ast.unparse(node.value)}" if node.value is not None else ""
            finals[node.target.id] = f"{annotation}{value}"
    names = cuda_names(stub_text)
    aliases: list[tuple[str, str]] = [("hip" + name[4:], name) for name in names]
    aliases += [(hip, cuda) for cuda, hip in read_hip_names()]
    taken = set(names)
    out = []
    for alias, target in aliases:
        if alias in taken:
            continue
        taken.add(alias)
        if target in finals:
            out.append(f"{alias}: {finals[target]}")
        else:
            out.append(f"{alias} = {target}")
    return out


def low_level_names(stub_text: str) -> list[str]:
    """The module-level names of the stub that PyGPU re-exports, sorted."""
    names = set()
    for node in ast.parse(stub_text).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return sorted(n for n in names if n.startswith(LOW_LEVEL_PREFIXES))


def render_init(init_text: str, stub_text: str) -> str:
    """PyGPU/__init__.py with its list of low-level names rewritten."""
    lines, line = [], ""
    for name in low_level_names(stub_text):
        item = f'"{name}",'
        if line and len(line) + 1 + len(item) > 116:
            lines.append(line)
            line = ""
        line = f"{line} {item}" if line else item
    lines.append(line)

    def fill(match: re.Match[str]) -> str:
        name, indent = match.group("name"), match.group("indent")
        if name != "low-level names":
            raise SystemExit(f"{INIT}: unknown generated block '{name}'")
        return "\n".join([f"{indent}# <generated: {name}>", *(indent + s for s in lines),
                          f"{indent}# </generated: {name}>"]) + "\n"

    text, count = BLOCK.subn(fill, init_text)
    if count != 1:
        raise SystemExit(f"{INIT}: expected one '# <generated: low-level names>' block, found {count}")
    return text


def render(stub_text: str) -> str:
    """The stub with every generated block rewritten (the hip aliases last: they
    alias what the other blocks define)."""
    producers = {
        "errors": block_errors,
        "pointers": block_pointers,
        "device arrays": block_device_arrays,
        "allocators": block_allocators,
        "device properties": block_device_properties,
    }
    seen = set()

    def fill(match: re.Match[str]) -> str:
        name, indent = match.group("name"), match.group("indent")
        if name == "hip aliases" and name not in producers:
            return match.group(0)
        if name not in producers:
            raise SystemExit(f"{STUB}: unknown generated block '{name}'")
        seen.add(name)
        body = [f"{indent}{line}" if line else "" for line in producers[name]()]
        return "\n".join([f"{indent}# <generated: {name}>", *body, f"{indent}# </generated: {name}>"]) + "\n"

    text = BLOCK.sub(fill, stub_text)
    producers["hip aliases"] = lambda: block_hip_aliases(text)
    text = BLOCK.sub(fill, text)
    missing = set(producers) - seen
    if missing:
        raise SystemExit(f"{STUB}: generated block(s) missing: {', '.join(sorted(missing))}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the stub's generated blocks are out of date")
    args = parser.parse_args(argv)
    stub = render(STUB.read_text())
    status = 0
    for path, wanted in ((STUB, stub), (INIT, render_init(INIT.read_text(), stub))):
        current = path.read_text()
        where = path.relative_to(ROOT)
        if current == wanted:
            print(f"{where}: up to date")
        elif args.check:
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                                       f"{where} (checked in)", f"{where} (generated)", n=1))
            print(f"{where}: generated blocks are out of date; run python tools/gen_core_stub.py")
            status = 1
        else:
            path.write_text(wanted)
            print(f"{where}: generated blocks rewritten")
    return status


if __name__ == "__main__":
    sys.exit(main())
