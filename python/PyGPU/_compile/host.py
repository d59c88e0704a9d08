"""The compiler driver for the simulated device: nvcc's command line over the system C++ compiler.

Sources (``.cu``, ``.cpp``, ``.cc``, ``.cxx``, ``.hip``) are translated (:mod:`.translate`), compiled with
``$CXX`` (else ``c++``) against PyGPU's headers for the simulated device, and linked to libpygpu_sim; ``.o``,
``.a`` and ``.so`` inputs go to the link. The result, a shared library, an object or an executable, is kept
in the compile cache (:mod:`.cache`). docs/compiler_driver.md describes every flag.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from PyGPU.sim import KERNEL_ABI_VERSION, CompileError

from . import cache as _cache
from . import translate as _translate

__all__ = ["Build", "CompileError", "UsageError", "build", "parse_args"]

SOURCE_SUFFIXES = (".cu", ".cpp", ".cc", ".cxx", ".hip", ".c++", ".cp", ".C")
LINK_SUFFIXES = (".o", ".a", ".so")
ARTIFACT = {"shared": "lib.so", "object": "obj.o", "executable": "a.out"}
DEFAULT_OUTPUT = {"shared": "a.so", "object": "a.o", "executable": "a.out"}


class UsageError(ValueError):
    """A command line the driver refuses (the message says which flag and why)."""


# Flags taking a value: nvcc's long and short spellings -> our name.
_VALUE_FLAGS = {
    "-o": "output", "--output-file": "output",
    "-Xcompiler": "xcompiler", "--compiler-options": "xcompiler",
    "-Xlinker": "xlinker", "--linker-options": "xlinker",
    "-I": "include", "--include-path": "include",
    "-isystem": "isystem", "--system-include": "isystem",
    "-D": "define", "--define-macro": "define",
    "-U": "undefine", "--undefine-macro": "undefine",
    "-l": "library", "--library": "library",
    "-L": "library_path", "--library-path": "library_path",
    "-x": "language", "--x": "language",
    "-std": "std", "--std": "std",
    "-arch": "ignored", "--gpu-architecture": "ignored",
    "-code": "ignored", "--gpu-code": "ignored",
    "-gencode": "ignored", "--generate-code": "ignored",
    "-Xptxas": "ignored", "--ptxas-options": "ignored",
    "-maxrregcount": "ignored", "--maxrregcount": "ignored",
    "-ccbin": "ccbin", "--compiler-bindir": "ccbin",
    "-rdc": "ignored", "--relocatable-device-code": "ignored",
    "-include": "preinclude", "--pre-include": "preinclude",
}
# Flags that stand alone.
_BOOL_FLAGS = {
    "-c": "compile", "--compile": "compile",
    "-shared": "shared", "--shared": "shared",
    "-g": "debug", "--debug": "debug", "-G": "debug", "--device-debug": "debug",
    "-lineinfo": "none", "--generate-line-info": "none",
    "--expt-relaxed-constexpr": "none", "-expt-relaxed-constexpr": "none",
    "--expt-extended-lambda": "none", "--extended-lambda": "none", "-extended-lambda": "none",
    "--use_fast_math": "fast_math", "-use_fast_math": "fast_math",
    "-m64": "none", "--machine=64": "none",
    "-Wno-deprecated-gpu-targets": "none", "-Wno-deprecated-declarations": "none",
    "-w": "no_warnings", "--disable-warnings": "no_warnings",
    "-dc": "compile", "--device-c": "compile",
    "-v": "verbose", "--verbose": "verbose",
    "--dryrun": "dryrun", "-dryrun": "dryrun",
    "--keep": "keep", "-keep": "keep",
    "--sim-fibers": "fibers",
    "-V": "version", "--version": "version",
    "-h": "help", "--help": "help",
}
# nvcc flags the simulated device cannot honour, with the reason.
_REFUSED = {
    "-E": "preprocessing only is not supported; compile with -c, or run the C++ preprocessor on the source",
    "--preprocess": "preprocessing only is not supported; compile with -c",
    "-ptx": "there is no PTX on the simulated device (it compiles host code)",
    "--ptx": "there is no PTX on the simulated device (it compiles host code)",
    "-cubin": "there is no cubin on the simulated device (it compiles host code)",
    "--cubin": "there is no cubin on the simulated device (it compiles host code)",
    "-fatbin": "there is no fatbinary on the simulated device (it compiles host code)",
    "--fatbin": "there is no fatbinary on the simulated device (it compiles host code)",
    "-dlink": "no device link step is needed on the simulated device: link the objects directly",
    "--device-link": "no device link step is needed on the simulated device: link the objects directly",
    "-M": "dependency output is not supported; pass -Xcompiler -MD (the C++ compiler writes it)",
    "-MD": "dependency output is not supported; pass -Xcompiler -MD (the C++ compiler writes it)",
    "-lib": "static libraries are not made by the driver: compile with -c and archive with ar",
    "--lib": "static libraries are not made by the driver: compile with -c and archive with ar",
    "-rdc=false": "",
}
# Flags passed on to the compiler or the linker: name -> (the Options list, the words, {} the value).
_PASSED_ON = {
    "include": ("cxx_flags", ("-I{}",)),
    "isystem": ("cxx_flags", ("-isystem", "{}")),
    "define": ("cxx_flags", ("-D{}",)),
    "undefine": ("cxx_flags", ("-U{}",)),
    "preinclude": ("cxx_flags", ("-include", "{}")),
    "library": ("link_flags", ("-l{}",)),
    "library_path": ("link_flags", ("-L{}",)),
}
_OPT_RE = re.compile(r"^-O([0-3s]?)$")
_STDS = ("c++17", "c++20", "c++23", "c++2a", "c++2b", "gnu++17", "gnu++20", "gnu++23")

USAGE = """usage: pygpu-cc [options] file...

nvcc's command line for the simulated device (docs/compiler_driver.md):
  -o FILE             output (default a.out; a.so with -shared; FILE.o per source with -c)
  -c, -dc             compile to objects        -shared        a shared library
  -I DIR, -D X[=V], -U X, -l LIB, -L DIR, -O0..3, -g, -std=c++17|c++20
  -Xcompiler A,B      options for the C++ compiler   -Xlinker A,B   options for the linker
  -ccbin CXX          the C++ compiler (default $CXX, else c++)
  -arch, -gencode, -code, -lineinfo, --expt-relaxed-constexpr, --extended-lambda, -rdc, -m64: accepted, no effect
  --use_fast_math     defines __USE_FAST_MATH__ (host math stays IEEE)
  --sim-fibers        run every kernel's threads as fibers (default: only kernels with barriers/warp operations)
  -v, --dryrun, --keep  show the commands; show without running; keep the translated sources
Inputs: .cu .cpp .cc .cxx .hip (translated and compiled), .o .a .so (linked).
Environment: CXX, PYGPU_CACHE=0 (no cache), PYGPU_CACHE_DIR, PYGPU_CACHE_PCH=0 (no precompiled headers)."""


@dataclass
class Options:
    """A parsed command line."""

    sources: list[str] = field(default_factory=list)
    link_inputs: list[str] = field(default_factory=list)
    output: str | None = None
    kind: str = "executable"
    cxx_flags: list[str] = field(default_factory=list)
    link_flags: list[str] = field(default_factory=list)
    include_dirs: list[str] = field(default_factory=list)
    optimize: str = "3"
    std: str = "c++17"
    ccbin: str | None = None
    fibers: bool = False
    verbose: bool = False
    dryrun: bool = False
    keep: bool = False
    version: bool = False
    help: bool = False


def _split_list(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def parse_args(argv: list[str], *, allow_inputs: bool = True) -> Options:
    """nvcc-style arguments -> Options; UsageError names the flag it refuses."""
    o = Options()
    compile_only = shared = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        name = value = None
        if arg in _REFUSED:
            if not _REFUSED[arg]:
                continue
            raise UsageError(f"{arg}: {_REFUSED[arg]}")
        if arg in _BOOL_FLAGS:
            name = _BOOL_FLAGS[arg]
        elif arg in _VALUE_FLAGS:
            if i >= len(argv):
                raise UsageError(f"{arg} needs a value")
            name, value = _VALUE_FLAGS[arg], argv[i]
            i += 1
        elif arg.startswith("-") and "=" in arg and arg.split("=", 1)[0] in _VALUE_FLAGS:
            flag, value = arg.split("=", 1)
            name = _VALUE_FLAGS[flag]
        elif arg.startswith("-") and arg[:2] in ("-I", "-D", "-U", "-l", "-L", "-o", "-x") and len(arg) > 2:
            name, value = _VALUE_FLAGS[arg[:2]], arg[2:]
        elif _OPT_RE.match(arg):
            o.optimize = _OPT_RE.match(arg).group(1) or "2"  # type: ignore[union-attr]
            continue
        elif arg.startswith("-Wl,"):
            o.link_flags.append(arg)
            continue
        elif arg.startswith("-"):
            raise UsageError(f"unknown option {arg!r} (options for the C++ compiler go through -Xcompiler, "
                             f"e.g. -Xcompiler {arg})")
        else:
            if not allow_inputs:
                raise UsageError(f"{arg!r}: inputs are given by `source`/`files`, not in options")
            if arg.endswith(SOURCE_SUFFIXES):
                o.sources.append(arg)
            elif arg.endswith(LINK_SUFFIXES) or re.search(r"\.so(\.\d+)*$", arg):
                o.link_inputs.append(arg)
            else:
                raise UsageError(f"{arg!r}: unknown kind of input (sources: {', '.join(SOURCE_SUFFIXES[:5])}; "
                                 f"to link: .o .a .so)")
            continue
        assert name is not None
        if name == "output":
            assert value is not None
            o.output = value
        elif name == "compile":
            compile_only = True
        elif name == "shared":
            shared = True
        elif name == "debug":
            o.cxx_flags.append("-g")
        elif name == "fast_math":
            o.cxx_flags.append("-D__USE_FAST_MATH__=1")
        elif name == "no_warnings":
            o.cxx_flags.append("-w")
        elif name == "xcompiler":
            assert value is not None
            o.cxx_flags.extend(_split_list(value))
        elif name == "xlinker":
            assert value is not None
            o.link_flags.extend(f"-Wl,{v}" for v in _split_list(value))
        elif name in _PASSED_ON:
            target, words = _PASSED_ON[name]
            getattr(o, target).extend(w.format(value) for w in words)
            if name == "include":
                o.include_dirs.append(str(value))
        elif name == "language":
            if value not in ("cu", "c++", "hip", "cuda", "none"):
                raise UsageError(f"-x {value}: the simulated device compiles CUDA and HIP C++ (-x cu, -x hip)")
        elif name == "std":
            assert value is not None
            if value not in _STDS:
                raise UsageError(f"-std={value}: the simulated device's headers need C++17 or later "
                                 f"(-std=c++17 or -std=c++20)")
            o.std = value
        elif name == "ccbin":
            o.ccbin = value
        elif name in ("none", "ignored"):
            pass
        else:
            setattr(o, name, True)
    if compile_only and shared:
        raise UsageError("-c and -shared together: choose an object (-c) or a shared library (-shared)")
    o.kind = "object" if compile_only else "shared" if shared else "executable"
    if o.kind == "object" and o.output is not None and len(o.sources) > 1:
        raise UsageError("-o with -c and several sources: compile them one at a time, or without -o")
    if o.kind == "object" and o.link_inputs:
        raise UsageError(f"{o.link_inputs[0]!r}: nothing is linked with -c")
    return o


# ------------------------------------------------------------------ compiler

def find_compiler(ccbin: str | None = None) -> list[str]:
    """The C++ compiler's command (``-ccbin``, else $CXX, else ``c++``); CompileError when it is not there."""
    text = ccbin or os.environ.get("CXX") or "c++"
    words = shlex.split(text)
    found = shutil.which(words[0]) if words else None
    if found is None:
        where = "-ccbin" if ccbin else "CXX" if os.environ.get("CXX") else "the default"
        raise CompileError(f"no C++ compiler: {text!r} ({where}) was not found; set CXX to a C++17 compiler, "
                           f"for example CXX=g++ or CXX=clang++")
    return [found, *words[1:]]


def compiler_identity(cc: list[str], store: _cache.Cache | None) -> str:
    """The compiler's path and ``--version`` (remembered in the cache by the binary's size and mtime)."""
    try:
        st = os.stat(cc[0])
    except OSError as e:
        raise CompileError(f"the C++ compiler {cc[0]!r} cannot be run: {e}; set CXX") from e
    stamp = f"{os.path.realpath(cc[0])}|{st.st_size}|{st.st_mtime_ns}|{' '.join(cc[1:])}"
    known = store.load_json("compilers.json") if store is not None else {}
    if stamp in known:
        return str(known[stamp])
    try:
        out = subprocess.run([*cc, "--version"], capture_output=True, text=True, timeout=60, check=False,
                             env=compiler_env()).stdout
    except OSError as e:
        raise CompileError(f"the C++ compiler {cc[0]!r} cannot be run: {e}; set CXX") from e
    ident = f"{stamp}\n{out}"
    if store is not None:
        known[stamp] = ident
        store.save_json("compilers.json", known)
    return ident


def _paths() -> tuple[str, str]:
    """PyGPU's include directory and the directory of libpygpu_sim."""
    from PyGPU._paths import get_include, sim_library_path

    return get_include(), os.path.dirname(sim_library_path())


# (path, size, mtime) -> SHA-256 of the file's bytes: each file is read once per process while it is unchanged
_DIGESTS: dict[tuple[str, int, int], str] = {}


def _content_digest(path: str) -> str:
    """SHA-256 of the file at `path`, remembered for this process by its size and mtime."""
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = _DIGESTS[key] = _cache.file_digest(path) or f"unreadable:{st.st_size}:{st.st_mtime_ns}"
    return digest


def _headers_stamp(include: str) -> str:
    """A digest of the contents of PyGPU's simulated-device headers and of libpygpu_sim (a dev tree changes
    them without a version; a library links against the simulator's versioned names). Contents, not mtimes:
    reinstalling the same build keeps every cached kernel; a changed header or library invalidates them."""
    from PyGPU._paths import sim_library_path

    parts = [f"libpygpu_sim:{_content_digest(sim_library_path())}"]
    root = os.path.join(include, "pygpu")
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            path = os.path.join(dirpath, f)
            parts.append(f"{os.path.relpath(path, root)}:{_content_digest(path)}")
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


# --------------------------------------------------------------------- build

@dataclass
class Build:
    """What to build: sources given as (path, text), options, kind, output."""

    sources: list[tuple[str, str]]
    options: Options
    output: str | None = None
    use_cache: bool = True
    log: list[str] = field(default_factory=list)
    in_place: bool = False  # no output given (PyGPU.sim.compile): answer the path in the cache


def _resolve_include(name: str, from_dir: str, dirs: list[str]) -> str | None:
    if os.path.isabs(name):
        return name if os.path.isfile(name) else None
    for d in (from_dir, *dirs):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return os.path.abspath(p)
    return None


# What every translated source starts with: the device support (printf, assert; weak and hidden, so one
# copy per translation unit is harmless), the kernel language and the launch glue.
PRELUDE = "#define PYGPU_SIM_DEVICE_SUPPORT 1\n#include <cuda_runtime.h>\n#include <pygpu/sim/kernel/launch.h>\n"


# Compiles made with the plain prelude before it is precompiled: building the precompiled header costs about
# three plain compiles' parsing of the prelude (a 25 MB file written once), and saves a third of each later
# compile, so it pays from about the fourth; a first use with an empty cache stays one plain compile.
PCH_AFTER = 3


def _plain_uses(where: str) -> int:
    """Counts one more compile with the plain prelude of the precompiled header `where` would hold; the count
    before it (one byte appended per compile: concurrent processes add theirs without a lock)."""
    os.makedirs(os.path.dirname(where), exist_ok=True)
    with open(where + ".uses", "ab") as f:
        before = f.tell()
        f.write(b".")
    return before


def _prelude(cc: list[str], flags: list[str], store: _cache.Cache | None, b: Build) -> str:
    """The prelude, as an include of a header precompiled for these flags in the cache (built by the compile
    after the first PCH_AFTER with these flags; the compiler falls back to reading the header when the
    precompiled one does not fit), else the plain prelude."""
    if store is None or os.environ.get("PYGPU_CACHE_PCH", "1") == "0":
        return PRELUDE
    stamp = _headers_stamp(_paths()[0])  # a precompiled header does not notice that its headers changed
    key = hashlib.sha256("\0".join([*cc, *flags, PRELUDE, stamp]).encode("utf-8", "surrogateescape")).hexdigest()
    where = os.path.join(store.root, "pch", key)
    header = os.path.join(where, "prelude.h")
    if not os.path.isfile(header + ".gch"):
        if _plain_uses(where) < PCH_AFTER:
            return PRELUDE
        tmp = store.work_dir()
        try:
            with open(os.path.join(tmp, "prelude.h"), "w", encoding="utf-8") as f:
                f.write(PRELUDE)
            made = _run([*cc, *flags, "-x", "c++-header", os.path.join(tmp, "prelude.h"), "-o",
                         os.path.join(tmp, "prelude.h.gch")], b)
            if made.returncode != 0:
                return PRELUDE  # the compile itself reports what is wrong
            os.makedirs(os.path.dirname(where), exist_ok=True)
            with contextlib.suppress(OSError):  # another process made it first
                os.rename(tmp, where)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return f'#include "{header}"\n' if os.path.isfile(header + ".gch") else PRELUDE


def _translate_all(b: Build, work: str, sim_include: str, prelude: str) -> tuple[list[str], dict[str, str]]:
    """Translates the sources and their quoted includes into `work`; the translated sources, and
    translated path -> original path for every file written."""
    t = _translate.Translator(force_fibers=b.options.fibers)
    texts: dict[str, str] = {}
    includes: dict[str, dict[str, str]] = {}  # file -> include name -> resolved original
    pending = [path for path, _ in b.sources]
    given = dict(b.sources)
    while pending:
        path = pending.pop()
        if path in texts:
            continue
        if path in given:
            text = given[path]
        else:
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    text = f.read()
            except OSError:
                continue
        texts[path] = text
        includes[path] = {}
        for name in t.add(path, text):
            found = _resolve_include(name, os.path.dirname(path) or ".", b.options.include_dirs)
            if found is None or found.startswith(sim_include):
                continue
            includes[path][name] = found
            pending.append(found)
    errors = t.errors()
    if errors:
        raise CompileError("\n".join(errors), log="\n".join(errors))
    out_name: dict[str, str] = {}
    for n, path in enumerate(texts):
        base = os.path.basename(path)
        stem = re.sub(r"[^\w.+-]", "_", base)
        if path in given:
            out_name[path] = os.path.join(work, f"s{n}_{os.path.splitext(stem)[0]}.cpp")
        else:
            out_name[path] = os.path.join(work, f"h{n}_{stem}")
    back: dict[str, str] = {}
    for path, text in texts.items():
        mapping = {name: out_name[orig] for name, orig in includes[path].items()}
        translated = t.translate(path, prelude=prelude if path in given else "", includes=mapping)
        del text
        with open(out_name[path], "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(translated)
        back[out_name[path]] = path
    return [out_name[p] for p, _ in b.sources], back


def _compile_flags(o: Options, include: str, origin_dirs: list[str]) -> list[str]:
    # -fno-semantic-interposition: a kernel (default visibility, -fPIC) can be inlined into its loop entry
    flags = [f"-std={o.std}", f"-O{o.optimize}", "-fPIC", "-fno-semantic-interposition", "-fno-builtin-printf",
             "-isystem", os.path.join(include, "pygpu", "sim"), "-isystem", include,
             "-isystem", os.path.join(include, "pygpu", "pycuda")]  # <pycuda-complex.hpp>
    flags += [f"-iquote{d}" for d in origin_dirs]
    flags += ["-D__PYGPU_SIM__=1", "-D__CUDACC__SIM__=1"]
    return flags + o.cxx_flags


_SANITIZER_RUNTIMES = ("libasan", "libubsan", "liblsan", "libtsan", "libhwasan", "libclang_rt.")


def compiler_env() -> dict[str, str]:
    """The environment the C++ compiler runs in: this process's, without sanitizer runtimes in LD_PRELOAD.

    A Python run under AddressSanitizer preloads its runtime (the sanitizer
    run of .ci/run does); a compiler that inherits it has LeakSanitizer report
    the memory the compiler never frees, and fails."""
    env = dict(os.environ)
    preload = env.get("LD_PRELOAD")
    if preload:
        kept = [p for p in re.split(r"[:\s]+", preload)
                if p and not os.path.basename(p).startswith(_SANITIZER_RUNTIMES)]
        if kept:
            env["LD_PRELOAD"] = ":".join(kept)
        else:
            del env["LD_PRELOAD"]
    return env


def _run(cmd: list[str], b: Build) -> subprocess.CompletedProcess[str]:
    if b.options.verbose or b.options.dryrun:
        print("#$ " + shlex.join(cmd), file=sys.stderr)
    if b.options.dryrun:
        return subprocess.CompletedProcess(cmd, 0, "", "")
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False, env=compiler_env())
    except OSError as e:
        raise CompileError(f"the C++ compiler {cmd[0]!r} cannot be run: {e}; set CXX") from e


def _depfile_headers(path: str, back: dict[str, str], skip: tuple[str, ...]) -> dict[str, str]:
    """User headers named by a depfile (translated copies mapped back to their originals) -> SHA-256."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    words = re.split(r"(?<!\\)\s+", text.replace("\\\n", " "))
    out: dict[str, str] = {}
    for word in words[1:]:
        w = word.replace("\\ ", " ")
        if not w or w.endswith(":"):
            continue
        p = back.get(w, w)
        if p.startswith(skip) or (not os.path.isabs(p) and not os.path.exists(p)):
            continue
        digest = _cache.file_digest(p)
        if digest is not None:
            out[os.path.abspath(p)] = digest
    return out


def build(b: Build) -> list[str]:
    """Builds; returns the output path(s) (one per source for objects without -o)."""
    o = b.options
    if not b.sources and not (b.options.link_inputs and o.kind != "object"):
        raise UsageError("no input files")
    include, libdir = _paths()
    cc = find_compiler(o.ccbin)
    store = _cache.Cache() if b.use_cache and _cache.cache_enabled() and not o.dryrun and not o.keep else None
    if o.kind == "object" and len(b.sources) > 1:
        outs = []
        for path, text in b.sources:
            one = Build([(path, text)], o, None, b.use_cache, b.log, b.in_place)
            outs += build(one)
        return outs
    output = b.output or o.output or (os.path.splitext(os.path.basename(b.sources[0][0]))[0] + ".o"
                                      if o.kind == "object" else DEFAULT_OUTPUT[o.kind])
    key = ""
    if store is not None:
        h = hashlib.sha256()
        for part in (f"translator {_translate.TRANSLATOR_VERSION}", _pygpu_version(), f"abi {KERNEL_ABI_VERSION}",
                     compiler_identity(cc, store), _headers_stamp(include), repr(o.__dict__ | {"output": None}),
                     os.getcwd()):
            h.update(part.encode("utf-8", "surrogateescape") + b"\0")
        for path, text in b.sources:
            h.update(os.path.abspath(path).encode("utf-8", "surrogateescape") + b"\0")
            h.update(text.encode("utf-8", "surrogateescape") + b"\0")
        for path in o.link_inputs:
            h.update((path + "\0" + (_cache.file_digest(path) or "")).encode("utf-8", "surrogateescape"))
        key = h.hexdigest()
        hit = store.lookup(key, ARTIFACT[o.kind])
        if hit is not None:
            return [_deliver(hit, output, b.in_place)]
    work = store.work_dir() if store is not None else _tempdir()
    try:
        prelude = _prelude(cc, _compile_flags(o, include, []), store, b)
        translated, back = _translate_all(b, work, os.path.join(include, "pygpu"), prelude)
        origin_dirs = sorted({os.path.dirname(os.path.abspath(p)) for p in back.values()})
        flags = _compile_flags(o, include, origin_dirs)
        artifact = os.path.join(work, ARTIFACT[o.kind])
        deps: dict[str, str] = {}
        link = [f"-L{libdir}", "-lpygpu_sim", f"-Wl,-rpath,{libdir}", *o.link_flags]
        if o.kind == "object":
            cmd = [*cc, *flags, "-c", translated[0], "-o", artifact, "-MMD", "-MF", artifact + ".d"]
        else:
            shared = ["-shared"] if o.kind == "shared" else []
            cmd = [*cc, *flags, *shared, *translated, *o.link_inputs, "-o", artifact, "-MMD", *link]
        result = _run(cmd, b)
        if result.returncode != 0:
            log = result.stderr + result.stdout
            raise CompileError(f"{os.path.basename(cc[0])} failed (exit status {result.returncode}):\n{log}",
                               log=log, returncode=result.returncode)
        if result.stderr:
            b.log.append(result.stderr)
        if o.dryrun:
            return [output]
        for d in sorted(os.listdir(work)):
            if d.endswith(".d"):
                skip = (include, os.path.join(store.root, "pch")) if store is not None else (include,)
                deps.update(_depfile_headers(os.path.join(work, d), back, skip))
        for path, _ in b.sources:
            deps.pop(os.path.abspath(path), None)
        if store is not None:
            final = store.store(key, artifact, ARTIFACT[o.kind], deps)
            return [_deliver(final, output, b.in_place)]
        if b.in_place:
            # no cache and no output: the artifact outlives the work directory in a directory of its own
            keep = _tempdir()
            os.replace(artifact, os.path.join(keep, ARTIFACT[o.kind]))
            return [os.path.join(keep, ARTIFACT[o.kind])]
        return [_deliver(artifact, output, False)]
    finally:
        if o.keep:
            print(f"pygpu-cc: the translated sources are kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def _deliver(path: str, output: str, in_place: bool) -> str:
    """The artifact at `output` (a copy), or where it is when the caller asked for no output."""
    if in_place:
        return path
    tmp = f"{output}.pygpu-tmp{os.getpid()}"
    shutil.copyfile(path, tmp)
    os.chmod(tmp, 0o755 if not output.endswith((".o", ".obj")) else 0o644)
    os.replace(tmp, output)
    return os.path.abspath(output)


def _tempdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="pygpu-cc-")


def _pygpu_version() -> str:
    from PyGPU import _core

    return f"PyGPU {_core.__version__}"
