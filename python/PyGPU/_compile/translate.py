"""The source translation of a CUDA or HIP source for the simulated device.

Text in, text out, before the C++ compiler sees it (docs/compiler_driver.md).
Every edit keeps the user's line structure, so the one ``#line 1 "file"``
after the prelude makes every compiler message point at the user's lines:

- ``k<<<grid, block[, shared[, stream]]>>>(args)`` becomes
  ``::pygpu_sim_k::launch<&k, FIBERS>("k", grid, block, shared, stream)(args)``;
- a non-template ``__global__`` definition is followed by
  ``PYGPU_SIM_REGISTER_KERNEL(k, FIBERS)`` (registered when the library loads);
- ``__shared__ T name[dims];`` in a function becomes a reference into the
  block's static shared memory, ``extern __shared__ T name[];`` a pointer to
  the dynamic region (at namespace scope, macros of those names);
- ``__device__`` / ``__constant__`` variables at namespace scope are followed
  by ``PYGPU_SIM_REGISTER_GLOBAL(name)``;
- unsupported constructs are errors naming the construct and its line.

FIBERS is whether a kernel runs its threads as fibers: it does when it, or a
function, class or macro it names (transitively, over every file given to
the same :class:`Translator`), uses a barrier, a warp operation or
cooperative groups. Conservative: a name is enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["TranslateError", "Translator", "translate"]

# Bump when the generated text changes: part of the compile cache's key.
TRANSLATOR_VERSION = 1

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\f\v\r]+|\\\n)
  | (?P<nl>\n)
  | (?P<comment>//(?:\\\n|[^\n])*|/\*.*?(?:\*/|\Z))
  | (?P<rawstr>(?:u8|[uUL])?R"(?P<delim>[^()\\\s]{0,16})\(.*?\)(?P=delim)")
  | (?P<str>(?:u8|[uUL])?"(?:\\.|[^"\\\n])*"?)
  | (?P<chr>(?:u8|[uUL])?'(?:\\.|[^'\\\n])*'?)
  | (?P<num>\.?\d(?:[eEpP][+-]|[\w.']|)*)
  | (?P<id>[A-Za-z_$][\w$]*)
  | (?P<punct><<<|::|->|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%&|^!~=<>?:;,.(){}\[\]#@\\`])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Names whose use makes a kernel run as fibers (barriers, warp operations, cooperative groups).
_SYNC_RE = re.compile(
    r"^(?:__syncthreads\w*|__syncwarp|__shfl\w*|__ballot\w*|__any(?:_sync)?|__all(?:_sync)?|__activemask"
    r"|__match_\w+|__reduce_\w+_sync|__uni_sync|this_thread_block|tiled_partition|thread_block_tile|thread_block"
    r"|coalesced_threads|coalesced_group|cooperative_groups|this_warp)$"
)

# Unsupported constructs: name -> why.
_UNSUPPORTED = {
    "__managed__": "managed memory (__managed__) is not supported on the simulated device; allocate with "
                   "cudaMallocManaged or cudaMalloc and copy",
    "cudaLaunchCooperativeKernel": "cooperative launches (grid-wide synchronisation) are not supported on the "
                                   "simulated device",
    "this_grid": "grid-wide synchronisation (cooperative_groups::this_grid) is not supported on the simulated device",
    "grid_group": "grid-wide synchronisation (cooperative_groups::grid_group) is not supported on the simulated "
                  "device",
    "cudaTextureObject_t": "texture objects are not supported on the simulated device",
    "cudaSurfaceObject_t": "surface objects are not supported on the simulated device",
    "texture": "texture references are not supported on the simulated device",
    "surface": "surface references are not supported on the simulated device",
    "cudaCreateTextureObject": "texture objects are not supported on the simulated device",
    "cudaCreateSurfaceObject": "surface objects are not supported on the simulated device",
}
_TEXTURE_FN_RE = re.compile(r"^(?:tex[123]D\w*|texCubemap\w*|tex1Dfetch|surf[123]D\w*|surfCubemap\w*)$")
_NV_BUILTIN_RE = re.compile(r"^__nvvm?_\w+$")
_ASM = frozenset({"asm", "__asm__", "__asm"})
_CLASS_KEYS = frozenset({"struct", "class", "union", "enum"})
_NOT_NAMES = frozenset({
    "__launch_bounds__", "__attribute__", "__align__", "alignas", "decltype", "__declspec", "noexcept", "throw",
    "sizeof", "alignof", "__restrict__", "operator", "requires",
})
_TYPE_WORDS = frozenset({"int", "char", "short", "long", "float", "double", "bool", "unsigned", "signed", "const",
                         "volatile"})
_KEYWORDS = frozenset({"return", "else", "do", "case", "throw", "co_return", "co_await", "new", "delete"})
_ACCESS = frozenset({"public", "private", "protected"})
_DEVICE_QUALIFIERS = frozenset({"__global__", "__device__"})


class TranslateError(ValueError):
    """A source the simulated device cannot compile: ``errors`` holds each ``file:line: error: ...`` line.

    Examples
    --------
    >>> from PyGPU._compile.translate import translate, TranslateError
    >>> try:
    ...     translate("__managed__ int x;", "m.cu")
    ... except TranslateError as e:
    ...     print(e.errors[0].split(";")[0])
    m.cu:1: error: managed memory (__managed__) is not supported on the simulated device
    """

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Tok:
    kind: str
    text: str
    start: int
    end: int
    line: int


def _lex(text: str) -> list[_Tok]:
    """Tokens without whitespace and comments; a preprocessor directive is one token of kind 'pp'."""
    toks: list[_Tok] = []
    line = 1
    pos = 0
    n = len(text)
    at_line_start = True
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        assert m is not None  # the 'other' alternative matches any character
        kind = m.lastgroup or "other"
        if kind == "delim":
            kind = "rawstr"
        s = m.group(0)
        if kind == "punct" and s == "#" and at_line_start:
            # a directive: up to the end of the line, with continuations (comments inside are kept as text)
            end = pos
            while True:
                nl = text.find("\n", end)
                if nl == -1:
                    end = n
                    break
                if text[nl - 1] == "\\" or _open_comment(text, pos, nl):
                    end = nl + 1
                    continue
                end = nl
                break
            toks.append(_Tok("pp", text[pos:end], pos, end, line))
            line += text.count("\n", pos, end)
            pos = end
            continue
        if kind == "nl":
            at_line_start = True
        elif kind not in ("ws", "comment"):
            at_line_start = False
        if kind not in ("ws", "nl", "comment"):
            toks.append(_Tok(kind if kind != "rawstr" else "str", s, pos, m.end(), line))
        line += s.count("\n")
        pos = m.end()
    return toks


def _open_comment(text: str, start: int, nl: int) -> bool:
    """Whether a /* comment opened on the directive line text[start:nl] is still open at nl."""
    seg = re.sub(r'"(?:\\.|[^"\\\n])*"', "", text[start:nl])
    seg = re.sub(r"//.*", "", seg)
    return seg.rfind("/*") > seg.rfind("*/")


@dataclass
class _Entity:
    """A function, class or macro with a body: the names its body uses."""

    names: set[str] = field(default_factory=set)


@dataclass
class _Kernel:
    name: str  # as the definition spells it (maybe qualified)
    template: bool
    defined: bool
    params: list[tuple[str, str]] = field(default_factory=list)  # (type, name) as the definition spells them


@dataclass
class _Scope:
    kind: str  # 'ns', 'class', 'func', 'block', 'init'
    name: str = ""
    device: bool = False  # a __global__ or __device__ (not __host__) function body
    entity: _Entity | None = None
    kernel: _Kernel | None = None


@dataclass
class _Launch:
    """A `<<<...>>>` launch: the callee spans toks[c0:c1], the configuration toks[cfg0:cfg1]."""

    callee: str
    base: str
    start: int
    cfg_start: int
    cfg_end: int
    close_end: int
    arg_count: int
    line: int


@dataclass
class _HipLaunch:
    """`hipLaunchKernelGGL(k, grid, block, shared, stream, args...)`: text[start:end] up to the arguments."""

    callee: str
    base: str
    start: int
    end: int
    config: list[str]
    with_args: bool


@dataclass
class _FileScan:
    path: str
    text: str
    edits: list[tuple[int, int, str]] = field(default_factory=list)
    launches: list[_Launch] = field(default_factory=list)
    hip_launches: list[_HipLaunch] = field(default_factory=list)
    registrations: list[tuple[int, str]] = field(default_factory=list)  # (offset, kernel name)
    errors: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)


class Translator:
    """Translates a set of files (a source and its quoted includes) that see each other's kernels.

    Call :meth:`add` for every file first (the fibers analysis spans them), then :meth:`translate` for each.

    Parameters
    ----------
    force_fibers : bool
        Run every kernel's threads as fibers (``--sim-fibers``).

    Examples
    --------
    >>> from PyGPU._compile.translate import Translator
    >>> t = Translator()
    >>> t.add("k.cu", "__global__ void k(int* p) { p[threadIdx.x] = 1; }")
    []
    >>> t.translate("k.cu").splitlines()[-1]
    '__global__ void k(int* p) { p[threadIdx.x] = 1; } PYGPU_SIM_REGISTER_KERNEL(k, false)'
    """

    def __init__(self, force_fibers: bool = False) -> None:
        self.force_fibers = force_fibers
        self._files: dict[str, _FileScan] = {}
        self._entities: dict[str, _Entity] = {}
        self._kernels: dict[str, _Kernel] = {}
        self._sync: set[str] | None = None

    # ------------------------------------------------------------------ scan

    def add(self, path: str, text: str) -> list[str]:
        """Scans one file; returns its quoted ``#include`` names, in order."""
        scan = _FileScan(path, text)
        _Scanner(self, scan).run()
        self._files[path] = scan
        self._sync = None
        return scan.includes

    def errors(self) -> list[str]:
        """Every unsupported construct found so far, as ``file:line: error: ...``."""
        return [e for f in self._files.values() for e in f.errors]

    def kernels(self) -> dict[str, bool]:
        """The ``__global__`` functions seen so far -> whether each runs as fibers."""
        return {name: self._fibers(name) for name in self._kernels}

    def parameters(self) -> dict[str, list[tuple[str, str]]]:
        """The defined ``__global__`` functions -> their parameters, ``(type, name)`` as the definition spells
        them (``("const float *", "x")``; the name is ``""`` for an unnamed parameter)."""
        return {name: list(k.params) for name, k in self._kernels.items() if k.defined}

    # --------------------------------------------------------------- fibers

    def _sync_names(self) -> set[str]:
        if self._sync is None:
            sync = {n for e in self._entities.values() for n in e.names if _SYNC_RE.match(n)}
            sync |= {name for name, e in self._entities.items() if any(_SYNC_RE.match(n) for n in e.names)}
            changed = True
            while changed:
                changed = False
                for name, e in self._entities.items():
                    if name not in sync and e.names & sync:
                        sync.add(name)
                        changed = True
            self._sync = sync
        return self._sync

    def _fibers(self, name: str, extra: str = "") -> bool:
        if self.force_fibers:
            return True
        sync = self._sync_names()
        if name in sync:
            return True
        kernel = self._kernels.get(name)
        if kernel is None or not kernel.defined:
            return True  # defined elsewhere: fibers are always correct
        return any(n in sync for n in re.findall(r"[A-Za-z_]\w*", extra))

    # ------------------------------------------------------------ translate

    def translate(self, path: str, prelude: str = "", includes: dict[str, str] | None = None) -> str:
        """The translated text of a file given to :meth:`add`.

        Parameters
        ----------
        path : str
            The file, as given to :meth:`add`.
        prelude : str
            Text put before the ``#line 1`` directive (the driver's includes).
        includes : dict of str to str, optional
            Quoted ``#include`` names to replace by another path (translated headers).

        Returns
        -------
        str
            The translated source; TranslateError when there are errors.

        Examples
        --------
        >>> from PyGPU._compile.translate import Translator
        >>> t = Translator()
        >>> t.add("a.cu", "void f() { k<<<1, 32>>>(); }")
        []
        >>> print(t.translate("a.cu"))
        #line 1 "a.cu"
        void f() { ::pygpu_sim_k::launch<&k, true>("k", 1, 32, 0, 0)(); }
        """
        errs = self.errors()
        if errs:
            raise TranslateError(errs)
        scan = self._files[path]
        edits = list(scan.edits)
        for launch in scan.launches:
            fib = "true" if self._fibers(launch.base, launch.callee) else "false"
            name = re.sub(r"\s+", " ", launch.callee)
            edits.append((launch.start, launch.start, "::pygpu_sim_k::launch<&"))
            missing = "".join(", 0" for _ in range(4 - launch.arg_count))
            edits.append((launch.cfg_start, launch.cfg_start, f", {fib}>({_c_string(name)}, "))
            edits.append((launch.cfg_end, launch.close_end, f"{missing})"))
        for hip in scan.hip_launches:
            fib = "true" if self._fibers(hip.base, hip.callee) else "false"
            config = ", ".join(hip.config)
            head = f"::pygpu_sim_k::launch<&{hip.callee}, {fib}>({_c_string(hip.callee)}, {config})("
            edits.append((hip.start, hip.end, head))
        for offset, name in scan.registrations:
            fib = "true" if self._fibers(name.split("::")[-1]) else "false"
            edits.append((offset, offset, f" PYGPU_SIM_REGISTER_KERNEL({name}, {fib})"))
        if includes:
            found = re.finditer(r'^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"', scan.text, re.MULTILINE)
            edits.extend((m.start(1), m.end(1), includes[m.group(1)].replace("\\", "\\\\"))
                         for m in found if m.group(1) in includes)
        out = _apply(scan.text, edits)
        return f'{prelude}#line 1 {_c_string(path)}\n{out}'


def _c_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Applies non-overlapping (start, end, replacement) edits; a replaced range keeps its newlines."""
    parts: list[str] = []
    pos = 0
    for start, end, repl in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < pos:
            continue  # overlaps an earlier edit (cannot happen for well-formed scans)
        parts.append(text[pos:start])
        parts.append("\n" * (text.count("\n", start, end) - repl.count("\n")) + repl)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


class _Scanner:
    """One pass over a file's tokens with a scope stack (namespace, class, function, block, initializer)."""

    def __init__(self, owner: Translator, scan: _FileScan) -> None:
        self.owner = owner
        self.scan = scan
        self.toks = _lex(scan.text)
        self.stack: list[_Scope] = [_Scope("ns")]
        self.decl_start = 0

    def error(self, line: int, what: str) -> None:
        msg = f"{self.scan.path}:{line}: error: {what}"
        if msg not in self.scan.errors:
            self.scan.errors.append(msg)

    def in_device(self) -> bool:
        return any(s.device for s in self.stack)

    def entities(self) -> list[_Entity]:
        return [s.entity for s in self.stack if s.entity is not None]

    def run(self) -> None:
        toks = self.toks
        i = 0
        while i < len(toks):
            t = toks[i]
            top = self.stack[-1]
            if t.kind == "pp":
                self.directive(t)
                if top.kind in ("ns", "class") and self.decl_start == i:
                    self.decl_start = i + 1
                i += 1
                continue
            if t.kind == "id":
                i = self.identifier(i)
                continue
            if t.text == "<<<":
                i = self.launch(i)
                continue
            if t.text == "{":
                self.open_brace(i)
            elif t.text == "}":
                self.close_brace(i)
            elif t.text == ":" and top.kind == "class" and i > 0 and toks[i - 1].text in _ACCESS:
                self.decl_start = i + 1
            elif t.text == ";" and top.kind in ("ns", "class"):
                self.declaration(self.decl_start, i)
                self.decl_start = i + 1
            i += 1

    # ------------------------------------------------------------- pieces

    def directive(self, t: _Tok) -> None:
        m = re.match(r'#\s*include\s*"([^"\n]+)"', t.text)
        if m:
            self.scan.includes.append(m.group(1))
            return
        m = re.match(r"#\s*define\s+([A-Za-z_]\w*)(.*)", t.text, re.DOTALL)
        if m:
            names = set(re.findall(r"[A-Za-z_]\w*", m.group(2)))
            self.owner._entities.setdefault(m.group(1), _Entity()).names |= names
            for n in names:
                self.check_name(n, t.line, in_macro=True)

    def check_name(self, name: str, line: int, in_macro: bool = False) -> None:
        why = _UNSUPPORTED.get(name)
        if why is not None and name in ("texture", "surface") and not in_macro:
            return  # checked with their '<' by identifier()
        if why is not None:
            self.error(line, why if name in ("__managed__",) else f"{name}: {why}")
        elif _TEXTURE_FN_RE.match(name):
            self.error(line, f"{name}: texture and surface fetches are not supported on the simulated device")
        elif _NV_BUILTIN_RE.match(name):
            self.error(line, f"{name}: NVIDIA's internal (PTX) builtins are not supported on the simulated device")

    def identifier(self, i: int) -> int:
        t = self.toks[i]
        for ent in self.entities():
            ent.names.add(t.text)
        self.check_name(t.text, t.line)
        nxt = self.toks[i + 1] if i + 1 < len(self.toks) else None
        if t.text in ("texture", "surface") and nxt is not None and nxt.text == "<":
            self.error(t.line, f"{t.text}<...>: {_UNSUPPORTED[t.text]}")
        if t.text in _ASM and self.in_device():
            self.error(t.line, f"{t.text}: inline assembly (PTX) is not supported on the simulated device")
        if t.text == "__shared__":
            return self.shared(i)
        if t.text == "hipLaunchKernelGGL" and nxt is not None and nxt.text == "(":
            return self.hip_launch(i)
        return i + 1

    def hip_launch(self, i: int) -> int:
        """hipLaunchKernelGGL(k, grid, block, shared, stream, args...): the same launch as k<<<...>>>(args)."""
        toks = self.toks
        t = toks[i]
        if self.in_device():
            self.error(t.line, "hipLaunchKernelGGL in device code: dynamic parallelism is not supported on the "
                               "simulated device")
        # the arguments at depth 0 (a template kernel with commas is written HIP_KERNEL_NAME(k<a, b>), as in HIP)
        k = i + 2
        depth = 0
        commas: list[int] = []
        while k < len(toks):
            if toks[k].text in ("(", "[", "{"):
                depth += 1
            elif toks[k].text in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
            elif toks[k].text == "," and depth == 0:
                commas.append(k)
            k += 1
        if k >= len(toks) or len(commas) < 4:
            self.error(t.line, "hipLaunchKernelGGL needs (kernel, grid, block, shared memory, stream, args...)")
            return i + 1
        bounds = [i + 1, *commas[:5]] if len(commas) >= 5 else [i + 1, *commas, k]
        pieces = [self.scan.text[toks[a].end:toks[b].start].strip() for a, b in zip(bounds, bounds[1:])]
        callee = re.sub(r"^HIP_KERNEL_NAME\s*\((.*)\)$", r"\1", pieces[0], flags=re.DOTALL).strip()
        callee = re.sub(r"\s+", " ", callee)
        base = re.sub(r"<.*", "", callee).split("::")[-1].strip()
        with_args = len(commas) >= 5
        end = toks[commas[4]].end if with_args else toks[k].start
        self.scan.hip_launches.append(_HipLaunch(callee, base, t.start, end,
                                                 [re.sub(r"\s+", " ", p) for p in pieces[1:5]], with_args))
        return i + 1

    def launch(self, i: int) -> int:
        toks = self.toks
        t = toks[i]
        if self.in_device():
            self.error(t.line, "<<<...>>> in device code: dynamic parallelism is not supported on the simulated device")
        # the callee: [::] name [<...>] (:: name [<...>])*, read backwards
        j = i - 1
        c0 = i
        while j >= 0:
            if toks[j].text == ">":
                j = _skip_angles_back(toks, j)
            if j < 0 or toks[j].kind != "id" or toks[j].text in _KEYWORDS:
                break
            c0 = j
            if j >= 1 and toks[j - 1].text == "::":
                c0 = j - 1
                j -= 2
                continue
            break
        if c0 >= i or (toks[c0].kind != "id" and not (toks[c0].text == "::" and c0 + 1 < i)):
            self.error(t.line, "<<<...>>> without a kernel name before it")
            return i + 1
        callee = self.scan.text[toks[c0].start:toks[i - 1].end]
        base = next(tk.text for tk in reversed(toks[c0:i]) if tk.kind == "id" and not _inside_angles(toks, c0, tk))
        # the configuration: up to '>>>' at bracket depth 0
        k = i + 1
        depth = 0
        commas = 0
        while k < len(toks):
            tk = toks[k]
            if tk.text in ("(", "[", "{"):
                depth += 1
            elif tk.text in (")", "]", "}"):
                depth -= 1
            elif depth == 0 and tk.text == "," :
                commas += 1
            elif (depth == 0 and tk.text == ">" and k + 2 < len(toks) and toks[k + 1].text == ">"
                  and toks[k + 2].text == ">" and toks[k + 1].start == tk.end and toks[k + 2].start == tk.end + 1):
                break
            if tk.text == ";" or depth < 0:
                k = len(toks)
                break
            k += 1
        if k >= len(toks):
            self.error(t.line, "<<< without its closing >>>")
            return i + 1
        if commas > 3:
            self.error(t.line, "<<<...>>> takes at most 4 arguments (grid, block, shared memory, stream)")
        self.scan.launches.append(_Launch(callee, base, toks[c0].start, t.end, toks[k].start,
                                          toks[k + 2].end, commas + 1, t.line))
        # the launch replaces '<<<' by nothing: the prefix goes before the callee, the rest after it
        self.scan.edits.append((t.start, t.end, ""))
        return k + 3

    def shared(self, i: int) -> int:
        """A `__shared__` declaration: in a function, storage from the engine; at namespace scope, macros."""
        toks = self.toks
        top = self.stack[-1]
        # the statement: from the previous ';', '{', '}' or directive to the next ';' at depth 0
        s = i
        while s > 0 and toks[s - 1].text not in (";", "{", "}", ":") and toks[s - 1].kind != "pp":
            s -= 1
        e = i
        depth = 0
        while e < len(toks):
            if toks[e].text in ("(", "[", "{", "<"):
                depth += 1
            elif toks[e].text in (")", "]", "}", ">"):
                depth -= 1
            elif toks[e].text == ";" and depth <= 0:
                break
            e += 1
        if e >= len(toks):
            self.error(toks[i].line, "__shared__ declaration without its ';'")
            return i + 1
        stmt = [tk for tk in toks[s:e] if tk.text != "__shared__"]
        ns_scope = top.kind in ("ns", "class")
        is_extern = any(tk.text == "extern" for tk in stmt)
        stmt = _strip_attributes([tk for tk in stmt if tk.text not in ("extern", "static")])
        decls = _split_declarators(stmt)
        if not decls or any(d[1] is None for d in decls):
            self.error(toks[i].line, "__shared__: cannot read this declaration (write `__shared__ T name[dims];`)")
            return e + 1
        text = self.scan.text
        out: list[str] = []
        base_type = ""
        for idx, (type_toks, name_tok, dim_toks) in enumerate(decls):
            assert name_tok is not None
            if idx == 0:
                tt = _text(text, type_toks)
                base_type = _strip_ptr(tt)
            else:
                tt = f"{base_type} {_text(text, type_toks)}"
            tt = tt.strip()
            dims = _text(text, dim_toks)
            name = name_tok.text
            if any(tk.text in ("=", "{") for tk in dim_toks):
                self.error(name_tok.line, f"__shared__ {name}: shared memory cannot have an initializer (as on CUDA)")
                continue
            if is_extern:
                if not re.fullmatch(r"\[\s*\]", dims):
                    self.error(name_tok.line, f"extern __shared__ {name}: declare it as an array of unknown size, "
                                              f"`extern __shared__ T {name}[];`")
                    continue
                ptr = f"static_cast<{tt}*>(::pygpu_sim_k::shared_dynamic())"
                out.append(f"#define {name} ({ptr})" if ns_scope else f"{tt}* const {name} = {ptr};")
            elif ns_scope:
                key = f"pygpu_sim_shared_key_{name}"
                out.append(f"inline const char {key} = 0;")
                out.append(f"#define {name} (::pygpu_sim_k::shared_static_at<{tt}{dims}>(&{key}))")
            else:
                out.append(f"{tt} (&{name}){dims} = ::pygpu_sim_k::shared_static<{tt}{dims}>([] {{}});")
        if ns_scope:
            # a #define needs a line of its own: a #line directive puts the user's numbering back after them
            line = text.count("\n", 0, toks[e].end) + 1
            repl = "\n" + "\n".join(out) + f"\n#line {line} {_c_string(self.scan.path)}\n"
            self.scan.edits.append((toks[s].start, toks[e].end, repl))
            self.decl_start = e + 1
        else:
            self.scan.edits.append((toks[s].start, toks[e].end, " ".join(out)))
        return e + 1

    def open_brace(self, i: int) -> None:
        top = self.stack[-1]
        if top.kind not in ("ns", "class"):
            self.stack.append(_Scope("block"))
            return
        head = [tk for tk in self.toks[self.decl_start:i] if tk.kind != "pp"]
        texts = [tk.text for tk in head]
        if "namespace" in texts or (len(head) >= 2 and head[-2].text == "extern" and head[-1].kind == "str"):
            self.stack.append(_Scope("ns"))
            self.decl_start = i + 1
            return
        template = bool(head) and head[0].text == "template"
        head = _strip_template_prefix(head)
        texts = [tk.text for tk in head]
        first_paren = next((k for k, tk in enumerate(head) if tk.text == "("), len(head))
        key = next((k for k, tk in enumerate(head) if tk.text in _CLASS_KEYS), None)
        if key is not None and key < first_paren and "=" not in texts[:key]:
            name = next((tk.text for tk in head[key + 1:first_paren] if tk.kind == "id"
                         and tk.text not in _NOT_NAMES and tk.text not in ("class", "struct", "alignas", "final")),
                        "")
            ent = self.owner._entities.setdefault(name, _Entity()) if name else _Entity()
            self.stack.append(_Scope("class", name=name, entity=ent))
            self.decl_start = i + 1
            return
        depth0 = _depth0(head)
        if "=" in [tk.text for tk in depth0] or ")" not in texts:
            self.stack.append(_Scope("init"))
            return
        # a function definition
        name = _function_name(head)
        is_global = "__global__" in texts
        device = bool(set(texts) & _DEVICE_QUALIFIERS) and "__host__" not in texts
        base = name.split("::")[-1] if name else ""
        # a member function's names count for its class (called as obj.f(), seen through the class's name)
        fent = self.owner._entities.setdefault(base, _Entity()) if base and top.kind == "ns" else None
        kernel = None
        if is_global and base:
            kernel = self.owner._kernels.get(base)
            if kernel is None:
                kernel = self.owner._kernels[base] = _Kernel(name, template, True)
            kernel.template = kernel.template or template
            kernel.defined = True
            kernel.params = _parameters(head, base)
        self.stack.append(_Scope("func", name=base, device=device or is_global, entity=fent,
                                 kernel=kernel if is_global and not template and base else None))

    def close_brace(self, i: int) -> None:
        if len(self.stack) == 1:
            self.error(self.toks[i].line, "unbalanced '}'")
            return
        scope = self.stack.pop()
        top = self.stack[-1]
        if top.kind in ("ns", "class") and scope.kind in ("func", "ns", "class"):
            if scope.kernel is not None and top.kind == "ns":
                self.scan.registrations.append((self.toks[i].end, scope.kernel.name))
            if scope.kind != "class":
                self.decl_start = i + 1
            # a class definition continues to its ';' (struct S {...} s;)

    def declaration(self, s: int, e: int) -> None:
        """A declaration at namespace or class scope ending at toks[e] (';')."""
        head = [tk for tk in self.toks[s:e] if tk.kind != "pp"]
        texts = [tk.text for tk in head]
        if not head:
            return
        if "__global__" in texts:
            name = _function_name(head)
            base = name.split("::")[-1] if name else ""
            if base and base not in self.owner._kernels:
                self.owner._kernels[base] = _Kernel(base, texts[0] == "template", False)
            return
        if self.stack[-1].kind != "ns" or not ({"__device__", "__constant__"} & set(texts)):
            return
        if {"extern", "typedef", "using"} & set(texts) or _CLASS_KEYS & set(texts) or texts[0] == "template":
            return
        for _type_toks, name_tok, dim_toks in _split_declarators(head):
            if name_tok is None:
                continue
            if dim_toks and dim_toks[0].text == "(" and _looks_like_parameters(dim_toks):
                return  # a function declaration
            self.scan.edits.append((self.toks[e].end, self.toks[e].end,
                                    f" PYGPU_SIM_REGISTER_GLOBAL({name_tok.text})"))


def _strip_template_prefix(head: list[_Tok]) -> list[_Tok]:
    """The head without its leading `template <...>` parameter lists."""
    while len(head) >= 2 and head[0].text == "template" and head[1].text == "<":
        depth = 0
        for k in range(1, len(head)):
            if head[k].text == "<":
                depth += 1
            elif head[k].text == ">":
                depth -= 1
                if depth == 0:
                    head = head[k + 1:]
                    break
        else:
            return head
    return head


def _strip_attributes(toks: list[_Tok]) -> list[_Tok]:
    """Tokens without `__align__(n)`, `alignas(n)` and `__attribute__((...))` (shared memory is 16-aligned)."""
    out: list[_Tok] = []
    k = 0
    while k < len(toks):
        if toks[k].text in ("__align__", "alignas", "__attribute__") and k + 1 < len(toks) and toks[k + 1].text == "(":
            depth = 0
            k += 1
            while k < len(toks):
                if toks[k].text == "(":
                    depth += 1
                elif toks[k].text == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            k += 1
            continue
        out.append(toks[k])
        k += 1
    return out


def _parameters(head: list[_Tok], name: str) -> list[tuple[str, str]]:
    """The ``(type, name)`` of each parameter of the function `name` whose declaration's head is `head`."""
    start = next((k + 1 for k in range(1, len(head)) if head[k].text == "(" and head[k - 1].text == name), None)
    if start is None:
        return []
    parts: list[list[_Tok]] = [[]]
    depth = 0
    for tk in head[start:]:
        if tk.text in ("(", "[", "<", "{"):
            depth += 1
        elif tk.text in (")", "]", ">", "}"):
            if depth == 0:
                break
            depth -= 1
        elif tk.text == "," and depth == 0:
            parts.append([])
            continue
        parts[-1].append(tk)
    out: list[tuple[str, str]] = []
    for raw in parts:
        part = [tk for tk in _strip_attributes(raw) if tk.text not in ("__restrict__", "__restrict", "restrict")]
        texts = [tk.text for tk in part]
        if "=" in texts:
            part = part[:texts.index("=")]
        if not part or [tk.text for tk in part] == ["void"]:
            continue
        if len(part) > 1 and part[-1].kind == "id" and part[-1].text not in _NOT_NAMES | _TYPE_WORDS:
            out.append((_text("", part[:-1]), part[-1].text))
        else:
            out.append((_text("", part), ""))
    return out


def _text(text: str, toks: list[_Tok]) -> str:
    return " ".join(tk.text for tk in toks) if toks else ""


def _strip_ptr(s: str) -> str:
    return re.sub(r"[\s*&]+$", "", s)


def _skip_angles_back(toks: list[_Tok], j: int) -> int:
    """From a '>' at toks[j], the index before its matching '<' (-1 when there is none)."""
    depth = 0
    while j >= 0:
        if toks[j].text == ">":
            depth += 1
        elif toks[j].text == "<":
            depth -= 1
            if depth == 0:
                return j - 1
        j -= 1
    return -1


def _inside_angles(toks: list[_Tok], c0: int, target: _Tok) -> bool:
    depth = 0
    for tk in toks[c0:]:
        if tk is target:
            return depth > 0
        if tk.text == "<":
            depth += 1
        elif tk.text == ">":
            depth -= 1
    return False


def _depth0(toks: list[_Tok]) -> list[_Tok]:
    out = []
    depth = 0
    for tk in toks:
        if tk.text in ("(", "["):
            depth += 1
        elif tk.text in (")", "]"):
            depth -= 1
        elif depth == 0:
            out.append(tk)
    return out


def _function_name(head: list[_Tok]) -> str:
    """The (qualified) name before the parameter list of a function declaration's head."""
    for k, tk in enumerate(head):
        if tk.text != "(" or k == 0:
            continue
        prev = head[k - 1]
        if prev.kind != "id" or prev.text in _NOT_NAMES or prev.text.startswith("__attribute"):
            continue
        # the qualified name: back over '::' and identifiers
        j = k - 1
        while j - 2 >= 0 and head[j - 1].text == "::" and head[j - 2].kind == "id":
            j -= 2
        return "".join(t.text for t in head[j:k])
    return ""


def _split_declarators(toks: list[_Tok]) -> list[tuple[list[_Tok], _Tok | None, list[_Tok]]]:
    """Splits `T a[2], *b` into (type tokens, name, the tokens after the name) per declarator."""
    parts: list[list[_Tok]] = [[]]
    depth = 0
    for tk in toks:
        if tk.text in ("(", "[", "{", "<"):
            depth += 1
        elif tk.text in (")", "]", "}", ">"):
            depth -= 1
        if tk.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(tk)
    out: list[tuple[list[_Tok], _Tok | None, list[_Tok]]] = []
    for part in parts:
        # the name: the last identifier before the first '[', '(' , '=' or '{' at depth 0 (after the type)
        stop = len(part)
        depth = 0
        for k, tk in enumerate(part):
            if tk.text in ("[", "=", "{") and depth == 0 and k > 0:
                stop = k
                break
            if tk.text == "(" and depth == 0 and k > 0 and part[k - 1].kind == "id" \
                    and part[k - 1].text not in _NOT_NAMES and not part[k - 1].text.startswith("__"):
                stop = k
                break
            if tk.text in ("(", "<"):
                depth += 1
            elif tk.text in (")", ">"):
                depth -= 1
        name_idx = None
        for k in range(stop - 1, -1, -1):
            if part[k].kind == "id" and part[k].text not in _NOT_NAMES:
                name_idx = k
                break
            if part[k].text == ")":
                break
        if name_idx is None:
            out.append((part, None, []))
            continue
        out.append((part[:name_idx], part[name_idx], part[name_idx + 1:]))
    return out


def _looks_like_parameters(dim_toks: list[_Tok]) -> bool:
    """Whether `(…)` after a declarator's name is a parameter list (a type first) rather than an initializer."""
    inner = dim_toks[1:]
    if inner and inner[0].text == ")":
        return True
    types = {"void", "int", "float", "double", "char", "unsigned", "signed", "long", "short", "bool", "const",
             "size_t", "struct", "class", "auto", "volatile"}
    return bool(inner) and (inner[0].text in types or (inner[0].kind == "id" and len(inner) > 1
                                                        and inner[1].kind == "id"))


def translate(source: str, path: str = "<source>", *, force_fibers: bool = False, prelude: str = "") -> str:
    """Translates one self-contained source (no quoted includes followed).

    Parameters
    ----------
    source : str
        CUDA or HIP source text.
    path : str
        Its file name, for ``#line`` and error messages.
    force_fibers : bool
        Run every kernel as fibers.
    prelude : str
        Text before the ``#line 1`` directive.

    Returns
    -------
    str
        The translated text; TranslateError lists the unsupported constructs.

    Examples
    --------
    >>> from PyGPU._compile.translate import translate
    >>> print(translate("__global__ void k() { __syncthreads(); }", "k.cu"))
    #line 1 "k.cu"
    __global__ void k() { __syncthreads(); } PYGPU_SIM_REGISTER_KERNEL(k, true)
    """
    t = Translator(force_fibers=force_fibers)
    t.add(path, source)
    return t.translate(path, prelude=prelude)
