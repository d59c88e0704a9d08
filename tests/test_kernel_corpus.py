"""The kernel corpus (tests/kernels/*.cu): CUDA as a CUDA programmer writes it,
each file with extern "C" host launchers that use <<<>>> on device pointers and
a stream. Every file compiles with nvcc (compile only: it is real CUDA); every
kernel runs on the simulated device (PyGPU.sim.compile, ctypes, PyGPU device
memory) and is checked against numpy, plainly and under chaos mode (blocks and
warps in random order, shared memory poisoned, stream work delayed); and the
fault cases end with CUDA's exact codes, sticky until PyGPU.sim.reset()."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import PyGPU as g
import PyGPU.sim
from helpers import without_preload

pytestmark = pytest.mark.build  # every test runs a compiler (nvcc, or the simulated device's driver)

KERNELS = Path(__file__).resolve().parent / "kernels"
SOURCES = sorted(KERNELS.glob("*.cu"))

# The C types of the launchers' parameters (pointers and streams travel as void*).
VP, INT, UINT = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint
FLT, DBL, SIZE = ctypes.c_float, ctypes.c_double, ctypes.c_size_t

# ------------------------------------------------------------------ nvcc ---


def _find_nvcc() -> str | None:
    found = shutil.which("nvcc")
    if found is None:
        candidate = Path(os.environ.get("CUDA_HOME", "/usr/local/cuda")) / "bin" / "nvcc"
        found = str(candidate) if candidate.is_file() else None
    return found


@pytest.fixture(scope="session")
def nvcc_builds(request, tmp_path_factory) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """The selected .cu files compiled by nvcc -c, all started at once on the machine's cores (one nvcc is ~4 s)."""
    nvcc = _find_nvcc()
    if nvcc is None:
        pytest.skip("nvcc not found (PATH, $CUDA_HOME/bin): the compile-only CUDA check needs the CUDA toolkit")
    out = tmp_path_factory.mktemp("nvcc")
    selected = [item.callspec.params["source"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_nvcc_compiles"]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        yield {src.stem: pool.submit(subprocess.run,
                                     [nvcc, "-c", "-std=c++17", "-arch=sm_80", str(src), "-o",
                                      str(out / f"{src.stem}.o")],
                                     capture_output=True, text=True, timeout=600, env=without_preload(),
                                     check=False)
               for src in selected}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_nvcc_compiles(source, nvcc_builds):
    """The corpus is real CUDA: nvcc compiles each file for sm_80."""
    result = nvcc_builds[source.stem].result()
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_corpus_is_complete():
    """At least 30 kernels, each file with a launcher per kernel, and a case below for every launcher."""
    kernels = [m for src in SOURCES for m in re.findall(r"__global__\s+void\s+(\w+)", src.read_text())]
    assert len(kernels) >= 30, kernels
    launchers = {m for src in SOURCES for m in re.findall(r'extern "C" cudaError_t (launch_\w+)\(', src.read_text())}
    used = {entry for c in CASES.values() for entry in c.entries} | FAULT_ENTRIES
    assert launchers == used


# ----------------------------------------------------- the simulated device ---


def _stems_of(item: pytest.Item) -> set[str]:
    """The .cu files a collected test of this module runs."""
    if Path(item.path).resolve() != Path(__file__).resolve() or "corpus" not in getattr(item, "fixturenames", ()):
        return set()
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "name" in callspec.params:
        return {CASES[callspec.params["name"]].stem}
    return set(FAULT_STEMS)


@pytest.fixture(scope="session")
def corpus(request, tmp_path_factory) -> Iterator[Callable[[str], ctypes.CDLL]]:
    """corpus(stem) -> the library of tests/kernels/<stem>.cu, built once per session (the files the
    selected tests need are compiled at once, in parallel; a failed build fails each case of its file)."""
    out = tmp_path_factory.mktemp("corpus")
    stems = sorted(set().union(*(_stems_of(item) for item in request.session.items)))
    loaded: dict[str, ctypes.CDLL] = {}

    def build(stem: str) -> str:
        return PyGPU.sim.compile(files=[str(KERNELS / f"{stem}.cu")], kind="shared",
                                 output=str(out / f"lib{stem}.so"), cache=False)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        builds = {stem: pool.submit(build, stem) for stem in stems}

        def load(stem: str) -> ctypes.CDLL:
            if stem not in loaded:
                future = builds.get(stem) or pool.submit(build, stem)
                builds[stem] = future
                loaded[stem] = ctypes.CDLL(future.result())
            return loaded[stem]

        yield load


class Kernel:
    """What a case gets: its file's library, a stream, a seeded generator, captured output."""

    def __init__(self, lib: ctypes.CDLL, capfd: pytest.CaptureFixture[str]) -> None:
        self.lib = lib
        self.stream = g.cudaStream_t()
        self.rng = np.random.default_rng(16)
        self.capfd = capfd

    def call(self, entry: str, argtypes: list[Any], *args: Any) -> int:
        fn = getattr(self.lib, entry)
        fn.argtypes = argtypes
        fn.restype = ctypes.c_int
        return int(fn(*args))

    def launch(self, entry: str, argtypes: list[Any], *args: Any) -> None:
        """Calls a launcher (the stream appended), which must return cudaSuccess."""
        code = self.call(entry, [*argtypes, VP], *args, int(self.stream))
        assert code == 0, f"{entry} returned {code}: {PyGPU.sim.last_message()}"

    def sync(self) -> None:
        err = self.stream.synchronize()
        assert int(err) == 0, f"{err.name}: {PyGPU.sim.last_message()}"


@dataclass(frozen=True)
class Case:
    stem: str
    run: Callable[[Kernel], None]
    entries: tuple[str, ...]
    order_dependent: bool


CASES: dict[str, Case] = {}


def case(stem: str, *entries: str, order_dependent: bool = False) -> Callable[[Callable[[Kernel], None]], Any]:
    """Registers a case: the kernel(s) of tests/kernels/<stem>.cu behind the launchers `entries`."""

    def register(run: Callable[[Kernel], None]) -> Callable[[Kernel], None]:
        CASES[run.__name__] = Case(stem, run, entries, order_dependent)
        return run

    return register


def dev(a: np.ndarray) -> Any:
    return g.to_gpu(np.ascontiguousarray(a))


def as_bytes(a: np.ndarray) -> Any:
    """Device copy of an array of structs (as raw bytes: GPUArray holds plain dtypes)."""
    return g.to_gpu(np.ascontiguousarray(a).view(np.uint8))


def by_block(values: np.ndarray, block: int, blocks: int) -> np.ndarray:
    """Which block of a grid-stride loop (block threads per block, blocks blocks) takes each element."""
    return (np.arange(values.size) // block) % blocks


def segments(a: np.ndarray, size: int, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """fn applied to each consecutive segment of `size` elements (the last may be short)."""
    return np.concatenate([fn(a[i:i + size]) for i in range(0, a.size, size)])


# Tolerances: an operation that is one IEEE rounding in both CUDA and numpy is
# compared exactly; where the C++ compiler may fuse a multiply and an add (FMA
# contraction, on aarch64 for example) results may differ by a rounding, so
# rtol is a few float32 ulps; sums in another order are compared at the
# size of the sum's rounding error.


def _vector_add(k: Kernel, entry: str, n: int) -> None:
    a, b = k.rng.standard_normal(n, dtype=np.float32), k.rng.standard_normal(n, dtype=np.float32)
    da, db, dc = dev(a), dev(b), g.zeros(n, np.float32)
    k.launch(entry, [VP, VP, VP, INT], da.ptr, db.ptr, dc.ptr, n)
    k.sync()
    np.testing.assert_array_equal(dc.get(), a + b)  # exact: one rounding


@case("vector_add", "launch_vector_add")
def vector_add(k: Kernel) -> None:
    _vector_add(k, "launch_vector_add", 100_003)


@case("vector_add", "launch_vector_add_api")
def vector_add_api(k: Kernel) -> None:
    """The same kernel through cudaLaunchKernel((const void*)&vector_add, ...)."""
    _vector_add(k, "launch_vector_add_api", 5000)


@case("saxpy", "launch_saxpy")
def saxpy(k: Kernel) -> None:
    n, a = 65_537, np.float32(2.5)
    x, y = k.rng.standard_normal(n, dtype=np.float32), k.rng.standard_normal(n, dtype=np.float32)
    dx, dy = dev(x), dev(y)
    k.launch("launch_saxpy", [INT, FLT, VP, VP], n, a, dx.ptr, dy.ptr)
    k.sync()
    np.testing.assert_allclose(dy.get(), a * x + y, rtol=1e-6, atol=1e-6)  # fused or not


@case("grid_stride", "launch_affine_grid_stride")
def affine_grid_stride(k: Kernel) -> None:
    n = 100_000  # 7 blocks of 96 threads: every thread takes ~150 elements
    x = k.rng.standard_normal(n)
    dx, dy = dev(x), g.zeros(n, np.float64)
    k.launch("launch_affine_grid_stride", [VP, VP, DBL, DBL, SIZE], dx.ptr, dy.ptr, -1.75, 0.5, n)
    k.sync()
    np.testing.assert_allclose(dy.get(), -1.75 * x + 0.5, rtol=1e-15, atol=1e-15)


BIT_STATS = np.dtype([("popc", "i4"), ("clz", "i4"), ("ffs", "i4"), ("brev", "u4"), ("mul24", "i4"),
                      ("lo", "i4"), ("hi", "i4")])


@case("integer_intrinsics", "launch_bit_stats")
def bit_stats(k: Kernel) -> None:
    v = np.concatenate([np.array([0, 1, 0x80000000, 0xFFFFFFFF, 0x00010000, 0x7FF], np.uint32),
                        k.rng.integers(0, 2**32, 994, dtype=np.uint32)])
    dv, dout = dev(v), g.zeros(v.size * BIT_STATS.itemsize, np.uint8)
    k.launch("launch_bit_stats", [VP, VP, INT], dv.ptr, dout.ptr, v.size)
    k.sync()
    got = dout.get().view(BIT_STATS)
    bits = (v[:, None] >> np.arange(32, dtype=np.uint32)) & 1  # bits[:, j] = bit j
    width = np.where(v == 0, 0, np.floor(np.log2(np.maximum(v, 1).astype(np.float64))).astype(np.int64) + 1)
    lowest = np.where(v == 0, 0, np.argmax(bits, axis=1) + 1)
    brev = (bits[:, ::-1].astype(np.uint64) << np.arange(32, dtype=np.uint64)).sum(axis=1).astype(np.uint32)
    a, b = (v & 0x7FF).astype(np.int64), ((v >> 11) & 0x7FF).astype(np.int64)
    lo16, hi16 = (v & 0xFFFF).astype(np.int64), (v >> 16).astype(np.int64)
    np.testing.assert_array_equal(got["popc"], np.bitwise_count(v))
    np.testing.assert_array_equal(got["clz"], 32 - width)
    np.testing.assert_array_equal(got["ffs"], lowest)
    np.testing.assert_array_equal(got["brev"], brev)
    np.testing.assert_array_equal(got["mul24"], a * b)
    np.testing.assert_array_equal(got["lo"], np.minimum(lo16, hi16))
    np.testing.assert_array_equal(got["hi"], np.maximum(lo16, hi16))


@case("math_functions", "launch_math_functions")
def math_functions(k: Kernel) -> None:
    n = 3001
    x = np.linspace(-4, 4, n, dtype=np.float32)
    dx, dout = dev(x), g.zeros(8 * n, np.float32)
    k.launch("launch_math_functions", [VP, VP, INT], dx.ptr, dout.ptr, n)
    k.sync()
    out = dout.get().reshape(8, n)
    x64 = x.astype(np.float64)
    # CUDA's documented error bounds are 1 to 4 ulps; float32 results of magnitude <= 16
    np.testing.assert_allclose(out[0], np.sin(x64) * np.cos(x64), atol=2e-6)
    np.testing.assert_allclose(out[1], np.sqrt(np.abs(x64)) + 1 / np.sqrt(1 + x64 * x64), atol=4e-6)
    np.testing.assert_allclose(out[2], 1 / (1 + np.exp(-x64)), atol=2e-6)
    np.testing.assert_allclose(out[3], x64 * x64 - 1, rtol=1e-7, atol=1e-7)  # fmaf: one rounding
    np.testing.assert_array_equal(out[4], np.clip(x, 0, 1))
    np.testing.assert_array_equal(out[5], np.rint(x * np.float32(10)))  # round half to even
    np.testing.assert_array_equal(out[6], np.clip(x, -0.5, 0.5))
    np.testing.assert_allclose(out[7], np.log1p(np.abs(x64)) + np.tanh(x64), atol=4e-6)


@case("jacobi_2d", "launch_jacobi_2d")
def jacobi_2d(k: Kernel) -> None:
    h, w = 45, 70
    a = k.rng.random((h, w), dtype=np.float32)
    din, dout = dev(a), g.zeros((h, w), np.float32)
    k.launch("launch_jacobi_2d", [VP, VP, INT, INT], din.ptr, dout.ptr, w, h)
    k.sync()
    ref = a.copy()
    ref[1:-1, 1:-1] = np.float32(0.25) * (a[1:-1, :-2] + a[1:-1, 2:] + a[:-2, 1:-1] + a[2:, 1:-1])
    np.testing.assert_allclose(dout.get(), ref, rtol=1e-6)  # same order of additions; no contraction


@case("box_blur_shared", "launch_box_blur_shared")
def box_blur_shared(k: Kernel) -> None:
    h, w = 37, 50
    a = k.rng.random((h, w), dtype=np.float32)
    din, dout = dev(a), g.zeros((h, w), np.float32)
    k.launch("launch_box_blur_shared", [VP, VP, INT, INT], din.ptr, dout.ptr, w, h)
    k.sync()
    padded = np.pad(a.astype(np.float64), 1, mode="edge")
    ref = sum(padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9
    np.testing.assert_allclose(dout.get(), ref, rtol=1e-6)


@case("game_of_life", "launch_life_step")
def life_step(k: Kernel) -> None:
    h, w = 40, 70
    cells = (k.rng.random((h, w)) < 0.35).astype(np.uint8)
    dcells, dnext = dev(cells), g.zeros((h, w), np.uint8)
    for _ in range(3):
        k.launch("launch_life_step", [VP, VP, INT, INT], dcells.ptr, dnext.ptr, w, h)
        dcells, dnext = dnext, dcells
        alive = sum(np.roll(np.roll(cells, dy, 0), dx, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                    if (dy, dx) != (0, 0))
        cells = ((alive == 3) | ((cells == 1) & (alive == 2))).astype(np.uint8)
    k.sync()
    np.testing.assert_array_equal(dcells.get(), cells)


@case("reduce_shared", "launch_reduce_shared")
def reduce_shared(k: Kernel) -> None:
    n = 10_000
    a = k.rng.integers(-1000, 1000, n, dtype=np.int32)
    blocks = (n + 511) // 512
    din, dpart = dev(a), g.zeros(blocks, np.int32)
    k.launch("launch_reduce_shared", [VP, VP, INT], din.ptr, dpart.ptr, n)
    k.sync()
    np.testing.assert_array_equal(dpart.get(), segments(a, 512, lambda s: np.array([s.sum()])))


@case("reduce_dynamic", "launch_reduce_dynamic")
def reduce_dynamic(k: Kernel) -> None:
    n, blocks, threads = 20_000, 13, 128
    a = k.rng.standard_normal(n, dtype=np.float32)
    din, dpart = dev(a), g.zeros(blocks, np.float64)
    k.launch("launch_reduce_dynamic", [VP, VP, INT, INT, INT], din.ptr, dpart.ptr, n, blocks, threads)
    k.sync()
    ref = np.bincount(by_block(a, threads, blocks), weights=a.astype(np.float64), minlength=blocks)
    np.testing.assert_allclose(dpart.get(), ref, rtol=1e-12, atol=1e-12)  # double sums in another order


@case("reduce_template", "launch_reduce_int_256", "launch_reduce_float_128", "launch_reduce_double_512",
      "launch_reduce_ull_64")
def reduce_template(k: Kernel) -> None:
    n, blocks = 30_001, 9
    for entry, dtype, block, rtol in [("launch_reduce_int_256", np.int32, 256, 0),
                                      ("launch_reduce_float_128", np.float32, 128, 1e-5),
                                      ("launch_reduce_double_512", np.float64, 512, 1e-12),
                                      ("launch_reduce_ull_64", np.uint64, 64, 0)]:
        if np.issubdtype(dtype, np.integer):
            lo = 0 if dtype == np.uint64 else -1000
            a = k.rng.integers(lo, 2**40 if dtype == np.uint64 else 1000, n).astype(dtype)
        else:
            a = k.rng.standard_normal(n).astype(dtype)
        din, dpart = dev(a), g.zeros(blocks, dtype)
        k.launch(entry, [VP, VP, UINT, UINT], din.ptr, dpart.ptr, n, blocks)
        k.sync()
        owner = by_block(a, block, blocks)
        if rtol == 0:
            ref = np.zeros(blocks, dtype)
            np.add.at(ref, owner, a)
            np.testing.assert_array_equal(dpart.get(), ref, err_msg=entry)
        else:
            ref64 = np.bincount(owner, weights=a.astype(np.float64), minlength=blocks)
            np.testing.assert_allclose(dpart.get(), ref64, rtol=rtol, atol=rtol * 100, err_msg=entry)


@case("warp_reduce", "launch_warp_reduce", order_dependent=True)
def warp_reduce(k: Kernel) -> None:
    n = 50_000
    a = k.rng.integers(-10_000, 10_000, n, dtype=np.int32)
    din, dtotal = dev(a), g.zeros(1, np.uint64)
    k.launch("launch_warp_reduce", [VP, VP, INT], din.ptr, dtotal.ptr, n)
    k.sync()
    assert int(dtotal.get().view(np.int64)[0]) == int(a.sum(dtype=np.int64))


@case("warp_vote", "launch_warp_vote")
def warp_vote(k: Kernel) -> None:
    n = 1000
    warps = (n + 127) // 128 * 4
    a = k.rng.integers(-5, 10, n, dtype=np.int32)
    din = dev(a)
    dballots, dany_all, drank = g.zeros(warps, np.uint32), g.zeros(2 * warps, np.int32), g.zeros(n, np.int32)
    k.launch("launch_warp_vote", [VP, VP, VP, VP, INT], din.ptr, dballots.ptr, dany_all.ptr, drank.ptr, n)
    k.sync()
    positive = np.zeros(warps * 32, bool)
    positive[:n] = a > 0
    lanes = positive.reshape(warps, 32)
    ballots = (lanes.astype(np.uint64) << np.arange(32, dtype=np.uint64)).sum(axis=1).astype(np.uint32)
    np.testing.assert_array_equal(dballots.get(), ballots)
    np.testing.assert_array_equal(dany_all.get().reshape(warps, 2), np.stack([lanes.any(1), lanes.all(1)], 1))
    rank = (np.cumsum(lanes, axis=1) - lanes).reshape(-1)[:n]
    np.testing.assert_array_equal(drank.get(), rank)


@case("warp_shuffle", "launch_warp_shuffle")
def warp_shuffle(k: Kernel) -> None:
    n = 512
    a = k.rng.integers(-100, 100, n, dtype=np.int32)
    din = dev(a)
    outs = [g.zeros(n, np.int32) for _ in range(4)]
    k.launch("launch_warp_shuffle", [VP, VP, VP, VP, VP, INT], din.ptr, *(o.ptr for o in outs), n)
    k.sync()
    warps, groups = a.reshape(-1, 32), a.reshape(-1, 8)
    np.testing.assert_array_equal(outs[0].get(), np.repeat(warps[:, 5], 32))
    np.testing.assert_array_equal(outs[1].get(), np.repeat(warps.max(axis=1), 32))
    np.testing.assert_array_equal(outs[2].get(), np.cumsum(warps, axis=1).reshape(-1))
    np.testing.assert_array_equal(outs[3].get(), np.repeat(groups.sum(axis=1), 8))


@case("transpose", "launch_transpose")
def transpose(k: Kernel) -> None:
    rows, cols = 70, 45
    a = k.rng.standard_normal((rows, cols), dtype=np.float32)
    din, dout = dev(a), g.zeros((cols, rows), np.float32)
    k.launch("launch_transpose", [VP, VP, INT, INT], dout.ptr, din.ptr, rows, cols)
    k.sync()
    np.testing.assert_array_equal(dout.get(), a.T)


@case("matmul_tiled", "launch_matmul_tiled")
def matmul_tiled(k: Kernel) -> None:
    m, n, kk = 50, 37, 65
    a = k.rng.uniform(-1, 1, (m, kk)).astype(np.float32)
    b = k.rng.uniform(-1, 1, (kk, n)).astype(np.float32)
    da, db, dc = dev(a), dev(b), g.zeros((m, n), np.float32)
    k.launch("launch_matmul_tiled", [VP, VP, VP, INT, INT, INT], da.ptr, db.ptr, dc.ptr, m, n, kk)
    k.sync()
    # 65 float32 products of magnitude <= 1 summed: error well under 1e-4
    np.testing.assert_allclose(dc.get(), a.astype(np.float64) @ b.astype(np.float64), rtol=1e-5, atol=1e-4)


def _histogram(k: Kernel, entry: str) -> None:
    n = 50_001
    data = k.rng.integers(0, 256, n, dtype=np.uint8)
    data[:1000] = 7  # one hot bin: contended atomics
    ddata, dbins = dev(data), g.zeros(256, np.uint32)
    k.launch(entry, [VP, VP, INT], ddata.ptr, dbins.ptr, n)
    k.sync()
    np.testing.assert_array_equal(dbins.get(), np.bincount(data, minlength=256))


@case("histogram", "launch_histogram_global", order_dependent=True)
def histogram_global(k: Kernel) -> None:
    _histogram(k, "launch_histogram_global")


@case("histogram", "launch_histogram_shared", order_dependent=True)
def histogram_shared(k: Kernel) -> None:
    _histogram(k, "launch_histogram_shared")


@case("scan_hillis_steele", "launch_scan_hillis_steele")
def scan_hillis_steele(k: Kernel) -> None:
    n = 3000
    a = k.rng.integers(-50, 50, n, dtype=np.int32)
    din, dout = dev(a), g.zeros(n, np.int32)
    k.launch("launch_scan_hillis_steele", [VP, VP, INT], din.ptr, dout.ptr, n)
    k.sync()
    np.testing.assert_array_equal(dout.get(), segments(a, 512, np.cumsum))


@case("scan_blelloch", "launch_scan_blelloch")
def scan_blelloch(k: Kernel) -> None:
    n, threads = 1000, 128
    blocks = (n + 255) // 256
    a = k.rng.integers(0, 1000, n, dtype=np.uint32)
    din, dout, dsums = dev(a), g.zeros(n, np.uint32), g.zeros(blocks, np.uint32)
    k.launch("launch_scan_blelloch", [VP, VP, VP, INT, INT], din.ptr, dout.ptr, dsums.ptr, n, threads)
    k.sync()
    np.testing.assert_array_equal(dout.get(), segments(a, 256, lambda s: np.cumsum(s) - s))
    np.testing.assert_array_equal(dsums.get(), segments(a, 256, lambda s: np.array([s.sum()])))


COUNTERS = np.dtype([("add", "i4"), ("sub", "i4"), ("min", "i4"), ("max", "i4"), ("and_bits", "u4"),
                     ("or_bits", "u4"), ("xor_bits", "u4"), ("inc", "u4"), ("dec", "u4"), ("add64", "u8"),
                     ("add_float", "f4"), ("exch_seen", "i4"), ("add_double", "f8")], align=True)


@case("atomics", "launch_atomics", order_dependent=True)
def atomics(k: Kernel) -> None:
    n, wrap = 5000, 37
    v = k.rng.integers(-1000, 1000, n, dtype=np.int32)
    counters = np.zeros(1, COUNTERS)
    counters["min"], counters["max"], counters["and_bits"], counters["dec"] = 2**31 - 1, -(2**31), 2**32 - 1, 5
    dv, dc, dslots = dev(v), as_bytes(counters), dev(np.arange(n, dtype=np.int32))
    k.launch("launch_atomics", [VP, VP, VP, INT, UINT], dv.ptr, dc.ptr, dslots.ptr, n, wrap)
    k.sync()
    got = dc.get().view(COUNTERS)[0]
    i = np.arange(n, dtype=np.uint32)
    u = v.astype(np.uint32)
    assert got["add"] == v.sum() and got["sub"] == -v.sum()
    assert got["min"] == v.min() and got["max"] == v.max()
    assert got["and_bits"] == np.bitwise_and.reduce(~(np.uint32(1) << (i % 32)) | (u & 1))
    assert got["or_bits"] == np.bitwise_or.reduce(np.uint32(1) << (u % 32))
    assert got["xor_bits"] == np.bitwise_xor.reduce(u)
    assert got["inc"] == n % (wrap + 1)  # atomicInc wraps to 0 past `wrap`
    assert got["dec"] == (5 - n) % (wrap + 1)  # atomicDec wraps to `wrap` below 0
    assert got["add64"] == int((i.astype(np.uint64) << np.uint64(20)).sum())
    assert got["add_float"] == 0.5 * n and got["add_double"] == 0.25 * v.sum()  # exact sums
    assert got["exch_seen"] == n
    np.testing.assert_array_equal(dslots.get(), -v)


class Float3(ctypes.Structure):
    _fields_ = [("x", FLT), ("y", FLT), ("z", FLT)]


class StepParams(ctypes.Structure):
    _fields_ = [("dt", FLT), ("gravity", Float3), ("restitution", FLT), ("floor_y", FLT)]


PARTICLE = np.dtype([("position", "f4", 3), ("velocity", "f4", 3), ("bounces", "i4")])


@case("struct_args", "launch_integrate")
def integrate(k: Kernel) -> None:
    n, steps = 1000, 200
    p = np.zeros(n, PARTICLE)
    p["position"] = k.rng.uniform(0, 5, (n, 3))
    p["velocity"] = k.rng.uniform(-2, 2, (n, 3))
    dp = as_bytes(p)
    params = StepParams(0.015625, Float3(0.5, -9.8125, 0.0), 0.75, 0.0)
    k.launch("launch_integrate", [VP, StepParams, INT, INT], dp.ptr, params, n, steps)
    k.sync()
    # dt, gravity and restitution are exact binary fractions, so every product
    # is exact and a fused multiply-add rounds as the separate operations do:
    # the float32 reference is exact.
    f32 = np.float32
    pos, vel, bounces = p["position"].copy(), p["velocity"].copy(), np.zeros(n, np.int32)
    gravity = np.array([0.5, -9.8125, 0.0], np.float32)
    for _ in range(steps):
        vel += gravity * f32(0.015625)
        pos += vel * f32(0.015625)
        low = pos[:, 1] < 0
        pos[low, 1] = 0
        vel[low, 1] = -vel[low, 1] * f32(0.75)
        bounces += low
    got = dp.get().view(PARTICLE)
    np.testing.assert_array_equal(got["position"], pos)
    np.testing.assert_array_equal(got["velocity"], vel)
    np.testing.assert_array_equal(got["bounces"], bounces)
    assert bounces.max() > 0


@case("constant_memory", "launch_convolve")
def convolve(k: Kernel) -> None:
    n, radius = 4000, 4
    taps = k.rng.uniform(-1, 1, 2 * radius + 1).astype(np.float32)
    assert k.call("set_filter", [VP, INT], taps.ctypes.data, radius) == 0, PyGPU.sim.last_message()
    back, got_radius = np.zeros(2 * radius + 1, np.float32), ctypes.c_int(-1)
    assert k.call("get_filter", [VP, VP], back.ctypes.data, ctypes.addressof(got_radius)) == 0
    assert got_radius.value == radius
    np.testing.assert_array_equal(back, taps)
    x = k.rng.standard_normal(n, dtype=np.float32)
    dx, dy = dev(x), g.zeros(n, np.float32)
    k.launch("launch_convolve", [VP, VP, INT], dx.ptr, dy.ptr, n)
    k.sync()
    ref = np.convolve(x.astype(np.float64), taps[::-1].astype(np.float64), mode="same")
    np.testing.assert_allclose(dy.get(), ref, rtol=1e-5, atol=1e-5)  # 9 terms in float32


@case("device_globals", "launch_count_matches", order_dependent=True)
def count_matches(k: Kernel) -> None:
    n = 3000
    table = k.rng.integers(-100, 100, 16, dtype=np.int32)
    keys = k.rng.integers(0, 1 << 20, n, dtype=np.int32)
    stream = int(k.stream)
    assert k.call("set_table", [VP, VP], table.ctypes.data, stream) == 0, PyGPU.sim.last_message()
    dkeys, dvalues = dev(keys), g.zeros(n, np.int32)
    expected = int((table[keys & 15] < 0).sum())
    assert 0 < expected < n
    for _ in range(2):  # the counter is reset through its symbol address each time
        assert k.call("reset_matches", [VP], stream) == 0, PyGPU.sim.last_message()
        k.launch("launch_count_matches", [VP, VP, INT], dkeys.ptr, dvalues.ptr, n)
        k.sync()
        matches = ctypes.c_ulonglong(0)
        assert k.call("get_matches", [VP], ctypes.addressof(matches)) == 0, PyGPU.sim.last_message()
        assert matches.value == expected
    np.testing.assert_array_equal(dvalues.get(), table[keys & 15])


# Half precision: a single +, - or * of two halves rounded to half gives the
# same bits whether computed in half or in float32 then rounded (float32 has
# more than 2 * 11 + 2 bits), which is what numpy's float16 does: exact.


def _haxpy(k: Kernel, entry: str) -> None:
    n, a = 4096, 1.5
    x = k.rng.uniform(-2, 2, n).astype(np.float16)
    y = k.rng.uniform(-2, 2, n).astype(np.float16)
    dx, dy = dev(x), dev(y)
    k.launch(entry, [INT, FLT, VP, VP], n, a, dx.ptr, dy.ptr)
    k.sync()
    np.testing.assert_array_equal(dy.get(), np.float16(a) * x + y)


@case("half_precision", "launch_haxpy")
def haxpy(k: Kernel) -> None:
    _haxpy(k, "launch_haxpy")


@case("half_precision", "launch_haxpy2")
def haxpy2(k: Kernel) -> None:
    _haxpy(k, "launch_haxpy2")


@case("half_precision", "launch_half_to_float")
def half_to_float(k: Kernel) -> None:
    h = np.concatenate([np.array([0, -0.0, 65504, -65504, 6e-8, np.inf, -np.inf], np.float16),
                        k.rng.standard_normal(1000).astype(np.float16)])
    dh, df = dev(h), g.zeros(h.size, np.float32)
    k.launch("launch_half_to_float", [VP, VP, INT], dh.ptr, df.ptr, h.size)
    k.sync()
    np.testing.assert_array_equal(df.get(), h.astype(np.float32) * np.float32(2))


@case("cg_reduce", "launch_cg_reduce")
def cg_reduce(k: Kernel) -> None:
    n = 1000
    a = k.rng.integers(-10_000, 10_000, n, dtype=np.int32)
    blocks = (n + 255) // 256
    din, dsum, dmax = dev(a), g.zeros(blocks, np.int32), g.zeros(blocks, np.int32)
    k.launch("launch_cg_reduce", [VP, VP, VP, INT], din.ptr, dsum.ptr, dmax.ptr, n)
    k.sync()
    np.testing.assert_array_equal(dsum.get(), segments(a, 256, lambda s: np.array([s.sum()])))
    np.testing.assert_array_equal(dmax.get(), segments(a, 256, lambda s: np.array([s.max()])))


@case("cg_tiles", "launch_cg_tiles")
def cg_tiles(k: Kernel) -> None:
    n = 512
    a = k.rng.integers(-5, 100, n, dtype=np.int32)
    a[16:32] = np.arange(16)  # a tile where all are >= 0 and none > 90
    din = dev(a)
    dsums, dmins, dvotes, drot = (g.zeros(n, np.int32), g.zeros(n, np.int32), g.zeros(3 * n // 16, np.uint32),
                                  g.zeros(n, np.int32))
    k.launch("launch_cg_tiles", [VP, VP, VP, VP, VP, INT], din.ptr, dsums.ptr, dmins.ptr, dvotes.ptr, drot.ptr, n)
    k.sync()
    t16 = a.reshape(-1, 16)
    np.testing.assert_array_equal(dsums.get(), np.repeat(a.reshape(-1, 8).sum(axis=1), 8))
    np.testing.assert_array_equal(dmins.get(), np.repeat(t16.min(axis=1), 16))
    ballot = ((t16 % 2 == 0).astype(np.uint64) << np.arange(16, dtype=np.uint64)).sum(axis=1)
    votes = np.stack([ballot, (t16 > 90).any(axis=1), (t16 >= 0).all(axis=1)], axis=1).astype(np.uint32)
    np.testing.assert_array_equal(dvotes.get().reshape(-1, 3), votes)
    np.testing.assert_array_equal(drot.get(), np.roll(a.reshape(-1, 128), -1, axis=1).reshape(-1))


@case("grid_3d", "launch_fill_volume")
def fill_volume(k: Kernel) -> None:
    nx, ny, nz = 37, 19, 11
    dout = g.zeros((nz, ny, nx), np.uint32)
    k.launch("launch_fill_volume", [VP, INT, INT, INT], dout.ptr, nx, ny, nz)
    k.sync()
    z, y, x = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
    block_dim, grid = (8, 4, 4), (-(-nx // 8), -(-ny // 4), -(-nz // 4))
    block = ((z // block_dim[2]) * grid[1] + y // block_dim[1]) * grid[0] + x // block_dim[0]
    thread = ((z % block_dim[2]) * block_dim[1] + y % block_dim[1]) * block_dim[0] + x % block_dim[0]
    ref = ((block << 16) ^ (thread << 4) ^ (x * 7 + y * 13 + z * 31)).astype(np.uint32)
    np.testing.assert_array_equal(dout.get(), ref)


@case("device_printf", "launch_report_blocks", order_dependent=True)
def report_blocks(k: Kernel) -> None:
    n = 200
    a = k.rng.integers(-100, 100, n, dtype=np.int32)
    din = dev(a)
    k.capfd.readouterr()
    k.launch("launch_report_blocks", [VP, INT], din.ptr, n)
    k.sync()  # the kernel's output is out by the next synchronisation
    lines = k.capfd.readouterr().out.splitlines()
    blocks = (n + 63) // 64
    expected = [f"block {b} of {blocks}: sum {a[64 * b:64 * b + 64].sum()}" for b in range(blocks)]
    expected.append(f"last element {n - 1} = {a[-1] / 4:.2f}")
    assert sorted(lines) == sorted(expected)  # blocks print in the order they run


@case("checked_normalize", "launch_checked_normalize")
def checked_normalize(k: Kernel) -> None:
    n = 1000
    v = k.rng.standard_normal(n, dtype=np.float32)
    w = k.rng.uniform(0.5, 2, n).astype(np.float32)
    dv, dw, dout = dev(v), dev(w), g.zeros(n, np.float32)
    k.launch("launch_checked_normalize", [VP, VP, VP, INT], dv.ptr, dw.ptr, dout.ptr, n)
    k.sync()
    np.testing.assert_array_equal(dout.get(), v / w)  # exact: one division


@case("vector_types", "launch_scale4")
def scale4(k: Kernel) -> None:
    n, s = 4096, np.float32(1.25)
    a = k.rng.standard_normal(n, dtype=np.float32)
    din, dout = dev(a), g.zeros(n, np.float32)
    k.launch("launch_scale4", [VP, VP, FLT, INT], din.ptr, dout.ptr, s, n)
    k.sync()
    q = a.reshape(-1, 4)
    ref = np.stack([q[:, 0] * s, q[:, 1] * s + 1, q[:, 2] - q[:, 3], q[:, 3] * q[:, 0]], axis=1)
    np.testing.assert_allclose(dout.get().reshape(-1, 4), ref, rtol=1e-6, atol=1e-6)  # fused or not


@case("vector_types", "launch_pair_ops")
def pair_ops(k: Kernel) -> None:
    n = 777
    pairs = k.rng.integers(-10**6, 10**6, (n, 2), dtype=np.int32)
    din, dout = dev(pairs), g.zeros((n, 4), np.int32)
    k.launch("launch_pair_ops", [VP, VP, INT], din.ptr, dout.ptr, n)
    k.sync()
    x, y = pairs[:, 0], pairs[:, 1]
    np.testing.assert_array_equal(dout.get(), np.stack([x + y, x - y, np.minimum(x, y), np.maximum(x, y)], 1))


@case("dot_product", "launch_dot")
def dot(k: Kernel) -> None:
    n, blocks = 10_000, 8
    a, b = k.rng.uniform(-1, 1, n).astype(np.float32), k.rng.uniform(-1, 1, n).astype(np.float32)
    da, db, dpart = dev(a), dev(b), g.zeros(blocks, np.float32)
    k.launch("launch_dot", [VP, VP, VP, INT, INT], da.ptr, db.ptr, dpart.ptr, n, blocks)
    k.sync()
    prod = a.astype(np.float64) * b.astype(np.float64)
    ref = np.bincount(by_block(a, 256, blocks), weights=prod, minlength=blocks)
    np.testing.assert_allclose(dpart.get(), ref, rtol=1e-4, atol=1e-4)  # ~1250 float32 terms per block


@case("softmax_rows", "launch_softmax_rows")
def softmax_rows(k: Kernel) -> None:
    rows, cols = 10, 300
    a = (k.rng.standard_normal((rows, cols)) * 4).astype(np.float32)
    din, dout = dev(a), g.zeros((rows, cols), np.float32)
    k.launch("launch_softmax_rows", [VP, VP, INT, INT], din.ptr, dout.ptr, rows, cols)
    k.sync()
    e = np.exp(a.astype(np.float64) - a.max(axis=1, keepdims=True))
    np.testing.assert_allclose(dout.get(), e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)


@case("bitonic_sort", "launch_bitonic_sort")
def bitonic_sort(k: Kernel) -> None:
    segs = 3
    a = k.rng.integers(-10**6, 10**6, segs * 1024, dtype=np.int32)
    a[:1024:3] = 42  # duplicates
    da = dev(a)
    k.launch("launch_bitonic_sort", [VP, INT], da.ptr, segs)
    k.sync()
    np.testing.assert_array_equal(da.get(), np.sort(a.reshape(segs, 1024), axis=1).reshape(-1))


@case("stream_compaction", "launch_compact_positive", order_dependent=True)
def compact_positive(k: Kernel) -> None:
    n = 3000
    a = k.rng.integers(-100, 100, n, dtype=np.int32)
    din, dout, dcount = dev(a), g.zeros(n, np.int32), g.zeros(1, np.uint32)
    k.launch("launch_compact_positive", [VP, VP, VP, INT], din.ptr, dout.ptr, dcount.ptr, n)
    k.sync()
    count = int(dcount.get()[0])
    kept = a[a > 0]
    assert count == kept.size
    out = dout.get()
    np.testing.assert_array_equal(np.sort(out[:count]), np.sort(kept))  # warps reserve space in run order
    assert not out[count:].any()


@case("block_votes", "launch_block_votes")
def block_votes(k: Kernel) -> None:
    n, threshold = 1000, np.float32(0.5)
    a = k.rng.random(n, dtype=np.float32)
    a[192:384] = 0.9  # block 1: all above
    a[384:576] = 0.1  # block 2: none above
    din, dres = dev(a), g.zeros(3 * 6, np.int32)
    k.launch("launch_block_votes", [VP, FLT, VP, INT], din.ptr, threshold, dres.ptr, n)
    k.sync()
    above = np.zeros(6 * 192, bool)
    above[:n] = a > threshold
    valid = np.arange(6 * 192) < n
    blocks, in_grid = above.reshape(6, 192), valid.reshape(6, 192)
    ref = np.stack([blocks.sum(1), (blocks | ~in_grid).all(1), blocks.any(1)], axis=1)
    np.testing.assert_array_equal(dres.get().reshape(6, 3), ref)


@case("gemv_warp", "launch_gemv_warp")
def gemv_warp(k: Kernel) -> None:
    rows, cols = 45, 100
    a = k.rng.uniform(-1, 1, (rows, cols)).astype(np.float32)
    x = k.rng.uniform(-1, 1, cols).astype(np.float32)
    da, dx, dy = dev(a), dev(x), g.zeros(rows, np.float32)
    k.launch("launch_gemv_warp", [VP, VP, VP, INT, INT], da.ptr, dx.ptr, dy.ptr, rows, cols)
    k.sync()
    np.testing.assert_allclose(dy.get(), a.astype(np.float64) @ x.astype(np.float64), rtol=1e-5, atol=1e-5)


# Every case runs plainly and under chaos mode (seed 1); those whose result
# or output order depends on the order blocks and warps run, under two more.
RUNS = [(name, None) for name in CASES] + [(name, 1) for name in CASES] + [
    (name, seed) for name, c in CASES.items() if c.order_dependent for seed in (2, 3)]


@pytest.mark.parametrize(("name", "seed"), RUNS,
                         ids=[f"{name}-{'plain' if seed is None else f'chaos{seed}'}" for name, seed in RUNS])
def test_kernel(name, seed, corpus, pygpu_sim, capfd):
    c = CASES[name]
    k = Kernel(corpus(c.stem), capfd)
    if seed is None:
        c.run(k)
    else:
        with pygpu_sim.chaos(seed, max_delay_us=200):
            c.run(k)


# ------------------------------------------------------------------ faults ---

FAULT_ENTRIES = {"launch_scatter", "launch_trap_on_negative", "launch_divergent_barrier"}
FAULT_STEMS = ("faults", "checked_normalize", "vector_add")


def _line_of(stem: str, text: str) -> int:
    [line] = [i for i, s in enumerate((KERNELS / f"{stem}.cu").read_text().splitlines(), 1) if text in s]
    return line


def _assert_sticky(sim: Any, code: int, lib: ctypes.CDLL, capfd: pytest.CaptureFixture[str]) -> None:
    """Every later call returns the error until PyGPU.sim.reset(); then the device and the library work."""
    ptr, err = g.cudaMalloc(16)
    assert int(err) == code
    assert int(g.cudaGetLastError()) == code
    assert int(g.cudaDeviceSynchronize()) == code
    sim.reset()
    ptr, err = g.cudaMalloc(16)
    assert int(err) == 0 and int(g.cudaFree(ptr)) == 0
    after = Kernel(lib, capfd)  # a new stream: the reset invalidated the old one
    a = np.arange(64, dtype=np.float32)
    da, dout = dev(a), g.zeros(64, np.float32)
    after.launch("launch_vector_add", [VP, VP, VP, INT], da.ptr, da.ptr, dout.ptr, 64)
    after.sync()
    np.testing.assert_array_equal(dout.get(), a + a)


# The out-of-bounds write runs in a child interpreter: if the simulator's
# fault handler ever failed to catch it, the SIGSEGV would end only the child.
OUT_OF_BOUNDS = r"""
import ctypes, sys
import numpy as np
import PyGPU as g, PyGPU.sim as sim

faults, vector_add = ctypes.CDLL(sys.argv[1]), ctypes.CDLL(sys.argv[2])
VP, INT = ctypes.c_void_p, ctypes.c_int
faults.launch_scatter.argtypes = [VP, VP, VP, INT, VP]
vector_add.launch_vector_add.argtypes = [VP, VP, VP, INT, VP]
n = 1024  # 4 KiB: the allocation ends on a 256-byte boundary, flush against its guard
index = np.arange(n, dtype=np.int32)
index[300] = n + 3  # block 2, thread 44 writes 12 bytes past the end
di, dv, dout = g.to_gpu(index), g.to_gpu(np.ones(n, np.float32)), g.zeros(n, np.float32)
stream = g.cudaStream_t()
print(faults.launch_scatter(di.ptr, dv.ptr, dout.ptr, n, int(stream)))
print(int(stream.synchronize()))
print(sim.last_message())
print(int(g.cudaMalloc(16)[1]), int(g.cudaGetLastError()), int(g.cudaDeviceSynchronize()))
sim.reset()  # sticky until here
a = g.to_gpu(np.arange(64, dtype=np.float32))
out = g.zeros(64, np.float32)
stream = g.cudaStream_t()
print(vector_add.launch_vector_add(a.ptr, a.ptr, out.ptr, 64, int(stream)), int(stream.synchronize()),
      int((out.get() == 2 * np.arange(64)).all()))
"""


def test_out_of_bounds_write(corpus):
    """A write past the end of an allocation: cudaErrorIllegalAddress (700) naming the kernel, the thread and
    the allocation with how far past its end the write went; sticky until PyGPU.sim.reset()."""
    if g.backend != "sim":
        pytest.skip("the simulated device is not the active backend")
    libs = [corpus(stem)._name for stem in ("faults", "vector_add")]
    result = subprocess.run([sys.executable, "-c", OUT_OF_BOUNDS, *libs], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    launched, code, message, sticky, after = result.stdout.splitlines()
    assert (launched, code) == ("0", "700"), message
    assert "kernel 'scatter': block (2,0,0), thread (44,0,0): illegal memory access: write to 0x" in message, message
    assert ": 12 bytes past the end of device allocation 0x" in message, message
    assert " of 4096 bytes on device 0 (" in message, message
    assert sticky == "700 700 700"
    assert after == "0 0 1"


def test_failed_assert(corpus, pygpu_sim, capfd):
    """assert(w > 0.0f) failing in one thread: cudaErrorAssert (710) with the file, line, block and thread."""
    after = corpus("vector_add")  # loaded (its kernels registered) before the device fails
    k = Kernel(corpus("checked_normalize"), capfd)
    n = 1000
    w = np.ones(n, np.float32)
    w[300] = 0.0  # block 2, thread 44
    dv, dw, dout = dev(np.ones(n, np.float32)), dev(w), g.zeros(n, np.float32)
    k.launch("launch_checked_normalize", [VP, VP, VP, INT], dv.ptr, dw.ptr, dout.ptr, n)
    err = k.stream.synchronize()
    message = pygpu_sim.last_message()
    assert int(err) == 710, f"{err.name}: {message}"
    assert f"checked_normalize.cu:{_line_of('checked_normalize', 'assert(w > 0.0f)')}" in message, message
    assert "w > 0.0f" in message and "kernel 'checked_normalize'" in message, message
    assert "block (2,0,0), thread (44,0,0)" in message, message
    _assert_sticky(pygpu_sim, 710, after, capfd)


def test_trap(corpus, pygpu_sim, capfd):
    """__trap(): cudaErrorLaunchFailure (719) naming the kernel, block and thread."""
    after = corpus("vector_add")  # loaded (its kernels registered) before the device fails
    k = Kernel(corpus("faults"), capfd)
    a = np.arange(500, dtype=np.int32)
    a[450] = -1
    da, dout = dev(a), g.zeros(500, np.int32)
    # The launcher's cudaGetLastError may already see the kernel's sticky error (an asynchronous error is
    # reported by whichever call comes after it, as CUDA documents); the synchronize sees it in any case.
    code = k.call("launch_trap_on_negative", [VP, VP, INT, VP], da.ptr, dout.ptr, 500, int(k.stream))
    assert code in (0, 719), f"launch_trap_on_negative returned {code}: {pygpu_sim.last_message()}"
    err = k.stream.synchronize()
    message = pygpu_sim.last_message()
    assert int(err) == 719, f"{err.name}: {message}"
    assert "kernel 'trap_on_negative': block (3,0,0), thread (66,0,0): __trap() called" in message, message
    _assert_sticky(pygpu_sim, 719, after, capfd)


def test_divergent_barrier(corpus, pygpu_sim, capfd):
    """A __syncthreads only the first warp reaches: cudaErrorLaunchFailure (719) naming the kernel and the site."""
    after = corpus("vector_add")  # loaded (its kernels registered) before the device fails
    k = Kernel(corpus("faults"), capfd)
    dout = g.zeros(128, np.int32)
    code = k.call("launch_divergent_barrier", [VP, VP], dout.ptr, int(k.stream))  # as in test_trap
    assert code in (0, 719), f"launch_divergent_barrier returned {code}: {pygpu_sim.last_message()}"
    err = k.stream.synchronize()
    message = pygpu_sim.last_message()
    assert int(err) == 719, f"{err.name}: {message}"
    site = f"faults.cu:{_line_of('faults', '__syncthreads();  // the other warp')}"
    assert re.search(r"kernel 'divergent_barrier': block \([01],0,0\): divergent barrier: thread \(\d+,0,0\) waits "
                     r"at __syncthreads \([^)]*" + re.escape(site) + r"\)", message), message
    _assert_sticky(pygpu_sim, 719, after, capfd)
