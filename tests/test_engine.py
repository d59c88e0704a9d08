"""The simulator's kernel engine (src/PyGPU/sim/grid.*, fiber.*), on its own.

tests/engine/engine_test.cpp links the engine's sources directly, runs
kernels written the way the kernel headers will expand them, and prints
"name value" lines; these tests build it with the system compiler and check
the values: results against references computed in the program, CUDA error
codes, messages, the chaos orders. The same program also runs under ASan and
UBSan, with the settings of the sanitizer run in .ci/run: a fiber switch the
sanitizer is not told about is a false report there.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import without_preload

pytestmark = pytest.mark.build  # each test runs the C++ compiler

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "src" / "PyGPU" / "sim"
PROGRAM = ROOT / "tests" / "engine" / "engine_test.cpp"
SOURCES = [PROGRAM, SIM / "grid.cpp", SIM / "fiber.cpp", SIM / "errors.cpp"]
FLAGS = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pthread", "-I", str(ROOT / "include"), "-I", str(ROOT / "src")]
SANITIZE = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer"]
# .ci/run's sanitizer settings; detect_stack_use_after_return needs the fiber annotations most.
ASAN_OPTIONS = ("detect_leaks=1:halt_on_error=1:allocator_may_return_null=1:detect_stack_use_after_return=1:"
                "check_initialization_order=1")
UBSAN_OPTIONS = "halt_on_error=1:print_stacktrace=1:report_error_type=1"
CHECK_WORKERS = 4
SITE = r"\(tests/engine/engine_test\.cpp:\d+\)"


def build(out: Path, flags: list[str], compiler: str | None = None) -> Path:
    gxx = shutil.which(compiler or os.environ.get("CXX", "g++")) or (compiler is None and shutil.which("g++"))
    if not gxx or not PROGRAM.exists():
        pytest.skip(f"{compiler or 'g++'} or the source tree is not available")
    sources = [str(p.relative_to(ROOT)) for p in SOURCES]  # relative: messages name tests/engine/...
    result = subprocess.run([gxx, *FLAGS, *flags, *sources, "-o", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=without_preload(), check=False)
    assert result.returncode == 0, result.stderr
    return out


def run(program: Path, mode: str, workers: int, runner: tuple[str, ...] = (), **env: str) -> dict[str, str]:
    """Runs the program (under `runner`, an emulator, if given); {name: value} of its output lines."""
    full_env = {k: v for k, v in without_preload().items() if not k.startswith(("PYGPU_", "ASAN_", "UBSAN_"))}
    full_env.update(env, PYGPU_SIM_WORKERS=str(workers))
    # The paths in messages are the compiler's (relative to ROOT, where it ran).
    result = subprocess.run([*runner, str(program), mode], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env=full_env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr
    values = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(" ")
        values[name] = value
    return values


def assert_same(values: dict[str, str], reference: dict[str, str]) -> None:
    differing = {k: (v, reference.get(k)) for k, v in values.items() if reference.get(k) != v}
    assert differing == {}
    assert values.keys() == reference.keys()


@pytest.fixture(scope="module")
def program(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("engine") / "engine_test", ["-O2"])


@pytest.fixture(scope="module")
def checks(program) -> dict[str, str]:
    return run(program, "checks", CHECK_WORKERS)


@pytest.fixture(scope="module")
def bench(program) -> dict[str, str]:
    return run(program, "bench", 1)


def test_kernels_compute_the_reference(checks):
    assert checks["workers"] == str(CHECK_WORKERS)
    for name in ["vadd_ok", "reduce_ok", "warp_reduce_ok", "coords_ok", "after_errors_reduce_ok"]:
        assert checks[name] == "1", name


def test_counting_barrier(checks):
    # 100 threads (10x5x2: a partial last warp): 34 have tid % 3 == 0.
    assert checks["count_code"] == "0"
    assert checks["count_values"] == "34,0,1,1,0"  # count, _and, _or, _and of all true, _or of all false


def test_blocks_run_on_every_worker_at_once(checks):
    assert checks["spread_distinct_workers"] == str(CHECK_WORKERS)
    assert checks["spread_together"] == "1"


@pytest.mark.parametrize(("case", "message"), [
    ("diverge_exit", (r"kernel 'diverge_exit': block \(0,0,0\): divergent barrier: thread \(0,0,0\) waits at "
                     rf"__syncthreads {SITE}, but thread \(16,0,0\) has exited \(every thread of the block must "
                     r"reach the same barrier\)")),
    ("diverge_sites", (rf"kernel 'diverge_sites': block \(0,0,0\): divergent barrier: thread \(0,0,0\) waits at "
                      rf"__syncthreads {SITE}, but thread \(1,0,0\) waits at __syncthreads {SITE}")),
    ("diverge_warp", (r"kernel 'diverge_warp': block \(0,0,0\): divergent warp operation in warp 0: thread "
                     rf"\(0,0,0\) waits at __shfl_down_sync {SITE} with mask 0xffffffff, but thread \(8,0,0\) "
                     r"has exited \(every lane named in the mask must reach the same warp operation with the same "
                     r"mask\)")),
    ("mask_mismatch", (r"kernel 'mask_mismatch': block \(0,0,0\): divergent warp operation in warp 0: thread "
                      rf"\(0,0,0\) waits at __shfl_sync {SITE} with mask 0xffffffff, but thread \(1,0,0\) waits "
                      rf"at __shfl_sync {SITE} with mask 0xfffffffe")),
    ("not_self", (rf"kernel 'not_self': block \(0,0,0\), thread \(3,0,0\): __shfl_sync {SITE} with mask "
                 r"0x00000001, which does not contain the calling lane 3 \(a lane must name itself in the mask of a "
                 r"warp operation it calls\)")),
    ("loop_barrier", (r"kernel 'loop_barrier' was compiled to run its threads as a loop \(no barrier found\) but "
                     r"reached __syncthreads at tests/engine/engine_test\.cpp:\d+; compile it with --sim-fibers "
                     r"\(block \(0,0,0\), thread \(0,0,0\)\)")),
    ("loop_warp", (r"kernel 'loop_warp' was compiled to run its threads as a loop \(no barrier found\) but "
                  r"reached __shfl_sync at tests/engine/engine_test\.cpp:\d+; compile it with --sim-fibers")),
])
def test_divergence_is_an_error_naming_the_site(checks, case, message):
    assert checks[f"{case}_code"] == "719"  # cudaErrorLaunchFailure, never a hang
    assert re.fullmatch(message + ".*", checks[f"{case}_message"]), checks[f"{case}_message"]


def test_masked_warp_exchanges(checks):
    # Half warps exchange apart (the upper half twice), then the whole warp.
    assert checks["halves_code"] == "0"
    assert checks["halves_ok"] == "1"
    # 40 threads, the last 4 exit: the others exchange over __activemask().
    assert checks["tail_code"] == "0"
    assert checks["tail_values"] == "496,496,134,134"  # 0+..+31 in warp 0, 32+..+35 in warp 1
    assert checks["tail_masks"] == "0xffffffff,0xf"
    assert checks["loop_mask_code"] == "0"
    assert checks["loop_mask"] == "0xffffffff,0xff"  # a loop kernel: the lanes of the thread's warp
    assert checks["outside_mask"] == "0"


def test_shared_memory_layout(checks):
    assert checks["shared_code"] == "0"
    assert checks["shared_same"] == "1"  # every thread of a block gets the same addresses
    assert checks["shared_sums"] == "1"
    assert checks["shared_poisoned"] == "1"  # a static variable is poisoned at its first use under chaos
    assert checks["shared_dyn_bytes"] == "100"
    assert checks["shared_dyn_align"] == "0"
    assert checks["shared_a_below_dyn"] == "32"  # int[8] right below the dynamic region
    assert checks["shared_b_align"] == "0"  # 64-byte alignment asked
    assert checks["shared_b_below_a"] == "48"  # double[3] (24 bytes) rounded down to 64
    assert checks["shared_static_seen"] == "80"  # the static bytes, alignment included
    assert checks["outside_static"] == "1"
    assert checks["outside_dynamic"] == "1 0"


@pytest.mark.parametrize(("case", "code", "message"), [
    ("shared_overflow", 1, (r"kernel 'shared_overflow': block \(0,0,0\), thread \(0,0,0\): a static __shared__ "
                           r"variable of 40000 bytes does not fit: 0 bytes of static and 10000 of dynamic shared "
                           r"memory are in use, the block's limit is 49152 bytes")),
    ("shared_launch_over", 1, (r"kernel 'shared_overflow': 40000 bytes of dynamic and 10000 of static shared memory "
                              r"are more than a block's limit of 49152 bytes \(at most 166912\)")),
    ("shared_limit_over", 1, r"kernel 'shared_overflow': .* a block's limit of 166913 bytes \(at most 166912\)"),
    ("shared_optin", 0, ""),
    ("shared_edge", 0, ""),
    ("shared_reserve", 1, (r"kernel 'shared_edge': block \(0,0,0\), thread \(0,0,0\): a static __shared__ variable "
                          r"of 40000 bytes does not fit: 8 bytes of static and 49144 of dynamic shared memory are in "
                          r"use, the block's limit is 49152 bytes")),
])
def test_shared_memory_limits(checks, case, code, message):
    assert checks[f"{case}_code"] == str(code)
    assert re.fullmatch(message, checks[f"{case}_message"]), checks[f"{case}_message"]


def test_kernel_print_is_written_when_the_grid_ends(checks):
    assert checks["print_code"] == "0"
    for block in range(2):
        for thread in range(3):
            assert checks[f"kprint_{block}_{thread}"] == str(block * 100 + thread)
    assert checks["kprint_host"] == "1"  # outside kernel code: at once


def test_two_sites_are_named_apart(checks):
    lines = re.findall(r"engine_test\.cpp:(\d+)", checks["diverge_sites_message"])
    assert len(lines) == 2 and lines[0] != lines[1]


@pytest.mark.parametrize(("case", "code", "message"), [
    ("assert", 710, (r"tests/engine/engine_test\.cpp:\d+: kernel 'assert_kernel': block \(2,0,0\), thread \(5,0,0\): "
                    r"Assertion `!\(t\.block->block_idx\.x == 2 && t\.thread_idx\.x == 5\)` failed\.")),
    ("assert_loop", 710, (r"tests/engine/engine_test\.cpp:\d+: kernel 'assert_loop': block \(0,0,0\), "
                         r"thread \(9,0,0\): Assertion `x != 9` failed\.")),
    ("trap", 719, r"kernel 'trap_kernel': block \(0,0,0\), thread \(3,0,0\): __trap\(\) called"),
    ("illegal", 700, r"kernel 'illegal_kernel': block \(0,0,0\), thread \(1,0,0\): read of 4 bytes at 0x10"),
    ("nested_inner", 801, (r"kernel 'inner': launched from kernel code \(dynamic parallelism is not supported "
                          r"by the simulated device\)")),
    ("zero_dim", 9, r"kernel 'bad': grid \(0,1,1\) of blocks \(1,1,1\): every dimension must be at least 1.*"),
    ("too_many_threads", 9, r"kernel 'bad': grid \(1,1,1\) of blocks \(1025,1,1\): .*at most 1024 threads.*"),
    ("no_function", 1, r"kernel 'bad': a grid needs exactly one of run_block .* and run_thread .*"),
])
def test_errors_have_cuda_codes_and_name_block_and_thread(checks, case, code, message):
    assert checks[f"{case}_code"] == str(code)
    assert re.fullmatch(message, checks[f"{case}_message"]), checks[f"{case}_message"]


def test_an_error_stops_the_grid(checks):
    assert checks["fail_early_code"] == "719"
    assert checks["fail_early_ran_at_most_one_per_worker"] == "1"  # of 100000 blocks
    assert checks["nested_code"] == "0"  # the outer kernel saw the refusal as a status


def test_chaos_poisons_shared_memory(checks):
    assert checks["poison_every_block"] == "1"
    # Without chaos, a block sees what the block before it on its worker left.
    assert checks["no_poison_blocks_seeing_old_data"] == "64"


def test_worker_count_parsing(checks):
    assert checks["parse_4"] == "1 4"
    assert checks["parse_empty"] == "1 4"  # empty: unchanged (the default)
    assert checks["parse_0"] == checks["parse_abc"] == checks["parse_2000"] == "0"
    assert checks["parse_message"].startswith('PYGPU_SIM_WORKERS="2000" is not a worker count; set it to')


def test_chaos_orders(bench):
    blocks = list(range(200))
    assert bench["order_plain"] == "0,1,2,3,4,5,6,7,8,9"
    seeded = [int(x) for x in bench["order_seed1"].split(",")]
    assert seeded != blocks[:10] and all(0 <= x < 200 for x in seeded)
    assert bench["order_seed1_again"] == "1"
    assert bench["order_seed2_differs"] == "1"
    assert bench["order_is_permutation"] == "1"
    assert bench["warp_order_plain"] == "0,1,2,3,4,5,6,7"
    warps = bench["warp_order_chaos"].split(",")
    assert sorted(warps) == list("01234567") and warps != list("01234567")


def test_throughput(bench, capsys):
    """One worker; the figures are printed for the record, the bounds are loose (a shared 2-core machine)."""
    assert bench["workers"] == "1"
    for name in ["vadd_ok", "reduce_ok", "warp_reduce_ok", "barrier_ok", "empty_grid_ok"]:
        assert bench[name] == "1", name
    with capsys.disabled():
        figures = (f"{k} {v}" for k, v in bench.items() if k.endswith(("_s", "_ns", "_us", "_thread")))
        print("\nengine, one worker: " + ", ".join(figures))
    assert float(bench["vadd_elements_per_s"]) > 1e8
    assert float(bench["reduce_elements_per_s"]) > 5e5
    assert float(bench["warp_reduce_elements_per_s"]) > 5e5
    assert 0 < float(bench["switch_ns"]) < 1000


def test_under_asan_and_ubsan(tmp_path, checks):
    """The same checks, sanitized, with the sanitizer run's settings: same values, no report."""
    program = build(tmp_path / "engine_test_sanitized", SANITIZE)
    assert_same(run(program, "checks", CHECK_WORKERS, ASAN_OPTIONS=ASAN_OPTIONS, UBSAN_OPTIONS=UBSAN_OPTIONS), checks)


def test_aarch64_under_qemu(tmp_path, checks):
    """The aarch64 context switch: the checks, cross-compiled and run under qemu, give the same values."""
    qemu = shutil.which("qemu-aarch64")
    if platform.machine() == "aarch64" or qemu is None:
        pytest.skip("native aarch64 (the tests above cover it) or no qemu-aarch64 (Debian: qemu-user)")
    program = build(tmp_path / "engine_test_aarch64", ["-O2", "-static"], compiler="aarch64-linux-gnu-g++")
    assert_same(run(program, "checks", CHECK_WORKERS, runner=(qemu,)), checks)
