"""PyGPU.curandom: Philox4x32-10 against Random123's known answers and a numpy reference written here, the
distributions' statistics, reproducibility, independence from the launch configuration, PyCUDA's errors,
and the kernel source compiled by NVRTC and hiprtc (compile only)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import PyGPU
import PyGPU.driver as cuda
from helpers.rtc import needs_hiprtc, needs_nvrtc
from PyGPU import _philox, curandom, gpuarray
from PyGPU._compile import compile_for
from PyGPU.curandom import MRG32k3aRandomNumberGenerator, XORWOWRandomNumberGenerator

M32 = np.uint64(0xFFFFFFFF)
N_STAT = 1 << 20

# Random123's kat_vectors, philox4x32 with 10 rounds: (counter, key, result).
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


# ------------------------------------------------------------------------------ the reference ---

def philox_reference(ctr: np.ndarray, k0: int, k1: int) -> np.ndarray:
    """Philox4x32-10 of each row of `ctr` (n x 4, uint32) under the key (k0, k1), in numpy: (n x 4) uint32."""
    c = [ctr[:, w].astype(np.uint64) for w in range(4)]
    key0, key1 = np.uint64(k0), np.uint64(k1)
    for round_ in range(10):
        if round_:
            key0 = (key0 + np.uint64(0x9E3779B9)) & M32
            key1 = (key1 + np.uint64(0xBB67AE85)) & M32
        p0 = np.uint64(0xD2511F53) * c[0]
        p1 = np.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ key0, p1 & M32, (p0 >> np.uint64(32)) ^ c[3] ^ key1, p0 & M32]
    return np.stack(c, axis=1).astype(np.uint32)


def words_reference(key: tuple[int, int], counter: int, blocks: int) -> np.ndarray:
    """The 4 * `blocks` words of the counters counter, counter + 1, ... (the layout curandom.cu uses)."""
    j = (np.arange(blocks, dtype=np.uint64) + np.uint64(counter)) & np.uint64(2**64 - 1)
    ctr = np.zeros((blocks, 4), np.uint32)
    ctr[:, 0] = (j & M32).astype(np.uint32)
    ctr[:, 1] = (j >> np.uint64(32)).astype(np.uint32)
    return philox_reference(ctr, *key).ravel()


def uniform_reference(dtype, n: int, key: tuple[int, int], counter: int = 0) -> np.ndarray:
    """What fill_uniform makes: float32 from the top 24 bits of a word, float64 from the top 53 of two."""
    dtype = np.dtype(dtype)
    per = 2 if dtype == np.float64 else 4
    w = words_reference(key, counter, -(-n // per))
    if dtype == np.float32:
        return ((w >> 8).astype(np.float32) * np.float32(2.0**-24))[:n]
    if dtype == np.float64:
        pairs = w.reshape(-1, 2).astype(np.uint64)
        return (((pairs[:, 0] << np.uint64(32)) | pairs[:, 1]) >> np.uint64(11)).astype(np.float64)[:n] * 2.0**-53
    return w[:n].view(dtype)


def normal_reference(dtype, n: int, key: tuple[int, int], counter: int = 0) -> np.ndarray:
    """The doubles fill_normal rounds to `dtype`: Box-Muller on (u1 in (0, 1], u2 in [0, 1))."""
    if np.dtype(dtype) == np.float32:
        w = words_reference(key, counter, -(-n // 4)).astype(np.float64).reshape(-1, 2)
        u1, u2 = (w[:, 0] + 1.0) * 2.0**-32, w[:, 1] * 2.0**-32
    else:
        u = uniform_reference(np.float64, 2 * -(-n // 2), key, counter).reshape(-1, 2)
        u1, u2 = u[:, 0] + 2.0**-53, u[:, 1]
    r, theta = np.sqrt(-2.0 * np.log(u1)), 2 * np.pi * u2
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1).ravel()[:n]


class Draws:
    """The words of one Poisson element, as curandom.cu's draws: blocks (counter, 0), (counter, 1), ..."""

    def __init__(self, key: tuple[int, int], counter: int) -> None:
        self.key, self.counter, self.block, self.words = key, counter, 0, []

    def uniform(self) -> float:
        if not self.words:
            ctr = np.array([[self.counter & 0xFFFFFFFF, self.counter >> 32, self.block, 0]], np.uint32)
            self.words, self.block = philox_reference(ctr, *self.key)[0].tolist(), self.block + 1
        return (self.words.pop(0) + 0.5) * 2.0**-32


def poisson_reference(lam: float, draws: Draws) -> float:
    """Knuth's method below 64, Hoermann's PTRS from 64 on (the algorithm curandom.cu implements)."""
    if not lam > 0:
        return 0.0
    lam = min(lam, 2.0**31)
    if lam < 64:
        k, p, limit = 0.0, draws.uniform(), math.exp(-lam)
        while p > limit:
            k, p = k + 1.0, p * draws.uniform()
        return k
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha, vr = 1.1239 + 1.1328 / (b - 3.4), 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u, v = draws.uniform() - 0.5, draws.uniform()
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return float(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1.0):
            return float(k)


def seeds(*values: int):
    """A seed getter answering `values` (int32), as user code writes one."""
    return lambda n: gpuarray.to_gpu(np.array(values[:n], dtype=np.int32))


KEY = (1234, 0x7FFF0001)
SEEDS = seeds(*KEY)


# --------------------------------------------------------------------------- the generator ---

@pytest.mark.parametrize(("ctr", "key", "expected"), KAT)
def test_the_reference_gives_random123s_known_answers(ctr, key, expected):
    assert philox_reference(np.array([ctr], np.uint32), *key)[0].tolist() == list(expected)


def test_the_kernel_gives_random123s_known_answers():
    ctr = np.array([c for c, _k, _r in KAT], np.uint32)
    key = np.array([k for _c, k, _r in KAT], np.uint32)
    out = np.zeros_like(ctr)
    kernel = _philox.module().get_function("pygpu_philox4x32_10")
    kernel(cuda.Out(out), cuda.In(ctr), cuda.In(key), np.uint64(len(KAT)), block=(4, 1, 1), grid=(1, 1))
    assert out.tolist() == [list(r) for _c, _k, r in KAT]


def test_the_kernel_matches_the_reference_on_random_counters_and_keys():
    rng = np.random.default_rng(5)
    ctr = rng.integers(0, 2**32, (300, 4), dtype=np.uint32)
    key = rng.integers(0, 2**32, (300, 2), dtype=np.uint32)
    out = np.zeros_like(ctr)
    kernel = _philox.module().get_function("pygpu_philox4x32_10")
    kernel(cuda.Out(out), cuda.In(ctr), cuda.In(key), np.uint64(300), block=(64, 1, 1), grid=(5, 1))
    expected = np.concatenate([philox_reference(ctr[i:i + 1], *key[i]) for i in range(300)])
    np.testing.assert_array_equal(out, expected)


# ------------------------------------------------------------------------------ the values ---

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint32, np.int32])
@pytest.mark.parametrize("n", [1, 3, 4, 5, 1000, 4097])
def test_uniform_is_the_reference_bit_for_bit(dtype, n):
    got = XORWOWRandomNumberGenerator(SEEDS).gen_uniform(n, dtype).get()
    assert got.dtype == dtype and got.shape == (n,)
    np.testing.assert_array_equal(got, uniform_reference(dtype, n, KEY))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 1001])
def test_normal_and_log_normal_are_box_muller_of_the_uniforms(dtype, n):
    g = XORWOWRandomNumberGenerator(SEEDS)
    normal = g.gen_normal(n, dtype).get()
    log_normal = g.gen_log_normal(n, dtype, 0.5, 2.0).get()
    assert normal.dtype == log_normal.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    expected = normal_reference(dtype, n, KEY).astype(dtype)
    np.testing.assert_allclose(normal, expected, rtol=rtol, atol=rtol)
    per = 4 if dtype == np.float32 else 2
    later = normal_reference(dtype, n, KEY, counter=-(-n // per))
    np.testing.assert_allclose(log_normal, np.exp(0.5 + 2.0 * later).astype(dtype), rtol=rtol * 10)


def test_the_shape_is_kept_and_filled_in_memory_order():
    g = XORWOWRandomNumberGenerator(SEEDS)
    a = g.gen_uniform((3, 5), np.float32).get()
    assert a.shape == (3, 5)
    np.testing.assert_array_equal(a.ravel(), uniform_reference(np.float32, 15, KEY))
    f = gpuarray.empty((3, 5), np.float64, order="F")
    XORWOWRandomNumberGenerator(SEEDS).fill_uniform(f)
    np.testing.assert_array_equal(f.get().ravel(order="F"), uniform_reference(np.float64, 15, KEY))


@pytest.mark.parametrize("lam", [0.3, 5.0, 63.5, 64.0, 777.0, 2.5e6])
def test_poisson_is_the_reference_exactly(lam):
    g = XORWOWRandomNumberGenerator(SEEDS, offset=9)
    got = g.gen_poisson(40, np.uint32, lam).get()
    assert got.dtype == np.uint32 and g.counter == 49
    assert got.tolist() == [poisson_reference(lam, Draws(KEY, 9 + i)) for i in range(40)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint32])
def test_poisson_in_place_draws_each_elements_own_mean(dtype):
    means = np.array([0, 1, 2.5, 10, 63.9, 64, 100, 1e4] * 3, dtype)
    data = gpuarray.to_gpu(means)
    g = MRG32k3aRandomNumberGenerator(SEEDS)
    g.fill_poisson(data)
    assert g.counter == means.size
    expected = [poisson_reference(float(lam), Draws(KEY, i)) for i, lam in enumerate(means)]
    np.testing.assert_array_equal(data.get(), np.array(expected, dtype))


def test_poisson_in_place_edges():
    data = gpuarray.to_gpu(np.array([-1.0, np.nan, 0.0, -np.inf, np.inf, 1e12]))
    XORWOWRandomNumberGenerator(SEEDS).fill_poisson(data)
    got = data.get()
    assert got[:4].tolist() == [0.0] * 4
    assert (abs(got[4:] - 2.0**31) < 6 * 2.0**15.5).all()  # taken as 2**31


# -------------------------------------------------------------------------------- statistics ---

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uniform_statistics(dtype):
    x = XORWOWRandomNumberGenerator(SEEDS).gen_uniform(N_STAT, dtype).get().astype(np.float64)
    assert x.min() >= 0.0 and x.max() < 1.0
    assert x.min() < 1e-5 and x.max() > 1 - 1e-5
    sigma = np.sqrt(1 / 12 / N_STAT)
    assert abs(x.mean() - 0.5) < 5 * sigma
    assert abs(x.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / N_STAT)
    counts = np.bincount((x * 16).astype(int), minlength=16)
    assert abs(counts - N_STAT / 16).max() < 5 * np.sqrt(N_STAT / 16)


def test_integer_bits_are_uniform():
    x = XORWOWRandomNumberGenerator(SEEDS).gen_uniform(N_STAT, np.uint32).get()
    bits = (x[:, None] >> np.arange(32, dtype=np.uint32)) & 1
    assert abs(bits.mean(axis=0) - 0.5).max() < 5 * 0.5 / np.sqrt(N_STAT)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_statistics(dtype):
    z = MRG32k3aRandomNumberGenerator(SEEDS).gen_normal(N_STAT, dtype).get().astype(np.float64)
    assert abs(z.mean()) < 5 / np.sqrt(N_STAT)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / N_STAT)
    assert abs(np.mean(z**3)) < 5 * np.sqrt(15 / N_STAT)  # skewness
    assert abs(np.mean(z**4) - 3) < 5 * np.sqrt(96 / N_STAT)  # kurtosis
    assert abs(np.mean(np.abs(z) < 1) - 0.682689492) < 5 * np.sqrt(0.22 / N_STAT)
    assert np.isfinite(z).all()


def test_log_normal_statistics():
    mu, s = 0.25, 0.5
    y = XORWOWRandomNumberGenerator(SEEDS).gen_log_normal(N_STAT, np.float64, mu, s).get()
    assert (y > 0).all()
    log_y = np.log(y)
    assert abs(log_y.mean() - mu) < 5 * s / np.sqrt(N_STAT)
    assert abs(log_y.std() - s) < 0.005


@pytest.mark.parametrize("lam", [0.5, 5.0, 63.9, 64.0, 500.0, 1e5])
def test_poisson_statistics(lam):
    n = N_STAT // 4
    k = XORWOWRandomNumberGenerator(SEEDS).gen_poisson(n, np.uint32, lam).get().astype(np.float64)
    assert abs(k.mean() - lam) < 5 * np.sqrt(lam / n)
    assert abs(k.var() - lam) < 5 * np.sqrt((lam + 2 * lam**2) / n)
    values, counts = np.unique(k, return_counts=True)
    pmf = np.exp(values * np.log(lam) - lam - np.array([math.lgamma(v + 1) for v in values]))
    expected = n * pmf
    big = expected > 100
    assert big.sum() >= 3
    assert (abs(counts[big] - expected[big]) < 5 * np.sqrt(expected[big])).all()


def test_rand_statistics():
    x = curandom.rand(N_STAT).get()
    assert x.dtype == np.float32 and x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 5 * np.sqrt(1 / 12 / N_STAT)


# ------------------------------------------------------------------------- reproducibility ---

def test_the_same_seed_repeats_and_calls_move_on():
    a, b = XORWOWRandomNumberGenerator(SEEDS), XORWOWRandomNumberGenerator(SEEDS)
    first = a.gen_uniform(10, np.float32).get()
    assert a.counter == 3
    np.testing.assert_array_equal(b.gen_uniform(10, np.float32).get(), first)
    second = a.gen_uniform(10, np.float32).get()
    assert not np.isin(second, first).any()
    np.testing.assert_array_equal(second, uniform_reference(np.float32, 10, KEY, counter=3))
    assert a.counter == 6


def test_different_seeds_or_offsets_differ():
    base = XORWOWRandomNumberGenerator(SEEDS).gen_uniform(64, np.uint32).get()
    for other in (XORWOWRandomNumberGenerator(seeds(1235, KEY[1])), XORWOWRandomNumberGenerator(seeds(1234, 1))):
        assert not np.isin(other.gen_uniform(64, np.uint32).get(), base).any()
    shifted = XORWOWRandomNumberGenerator(SEEDS, offset=1).gen_uniform(64, np.uint32).get()
    assert (shifted != base).all()
    np.testing.assert_array_equal(shifted[:60], base[4:])


def test_offset_and_skip_ahead_start_later_in_the_same_stream():
    whole = XORWOWRandomNumberGenerator(SEEDS).gen_uniform(40, np.float32).get()
    np.testing.assert_array_equal(XORWOWRandomNumberGenerator(SEEDS, offset=3).gen_uniform(28, np.float32).get(),
                                  whole[12:])
    g = MRG32k3aRandomNumberGenerator(SEEDS)
    g.call_skip_ahead(5)
    assert g.counter == 5
    np.testing.assert_array_equal(g.gen_uniform(20, np.float32).get(), whole[20:])


def test_both_class_names_make_the_same_stream():
    for method in ("gen_uniform", "gen_normal"):
        a = getattr(XORWOWRandomNumberGenerator(SEEDS), method)(9, np.float64).get()
        b = getattr(MRG32k3aRandomNumberGenerator(SEEDS), method)(9, np.float64).get()
        np.testing.assert_array_equal(a, b)


def test_rand_follows_numpys_seed():
    np.random.seed(11)
    a = curandom.rand((4, 4), np.float64).get()
    np.random.seed(11)
    np.testing.assert_array_equal(curandom.rand((4, 4), np.float64).get(), a)
    np.random.seed(11)
    seed = int(np.random.randint(2**31 - 1))
    np.testing.assert_array_equal(a.ravel(), uniform_reference(np.float64, 16, (seed, 0)))
    assert not (curandom.rand((4, 4), np.float64).get() == a).any()


def test_the_counter_wraps_at_two_to_the_64():
    g = XORWOWRandomNumberGenerator(SEEDS, offset=2**64 - 1)
    got = g.gen_uniform(8, np.uint32).get()
    np.testing.assert_array_equal(got, np.concatenate([words_reference(KEY, 2**64 - 1, 1),
                                                       words_reference(KEY, 0, 1)]))
    assert g.counter == 1


# ------------------------------------------------------------------- the launch configuration ---

@pytest.mark.parametrize(("grid", "block"), [(1, 1), (1, 32), (3, 64), (7, 33), (512, 256), (None, 128)])
@pytest.mark.parametrize(("distribution", "dtype"), [("uniform", np.float32), ("uniform", np.float64),
                                                     ("normal", np.float32), ("log_normal", np.float64),
                                                     ("poisson", np.uint32)])
def test_any_launch_configuration_gives_the_same_array(distribution, dtype, grid, block):
    n = 3001
    reference = gpuarray.empty(n, dtype)
    _philox.fill(distribution, reference, KEY, 17, None, "test", 7.5, 1.5)
    data = gpuarray.zeros(n, dtype)
    used = _philox.fill(distribution, data, KEY, 17, None, "test", 7.5, 1.5, grid=grid, block=block)
    assert used == -(-n // _philox.KINDS[distribution, np.dtype(dtype)][2])
    np.testing.assert_array_equal(data.get(), reference.get())


def test_a_stream_queues_the_fill():
    s = cuda.Stream()
    a = gpuarray.empty(1000, np.float32)
    XORWOWRandomNumberGenerator(SEEDS).fill_uniform(a, stream=s)
    s.synchronize()
    np.testing.assert_array_equal(a.get(), uniform_reference(np.float32, 1000, KEY))
    b = curandom.rand(16, np.uint32, stream=s)
    s.synchronize()
    assert b.get().dtype == np.uint32


def test_an_empty_array_launches_nothing_and_uses_no_counter():
    g = XORWOWRandomNumberGenerator(SEEDS)
    assert g.gen_uniform(0, np.float32).shape == (0,)
    assert g.gen_normal((3, 0), np.float64).shape == (3, 0)
    assert g.counter == 0


def test_steady_state_calls_compile_nothing(monkeypatch):
    XORWOWRandomNumberGenerator(SEEDS).gen_normal(4, np.float32)
    import PyGPU.compiler

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(PyGPU.compiler, "SourceModule", refuse)
    g = XORWOWRandomNumberGenerator(SEEDS)
    for distribution, dtype in _philox.KINDS:
        data = gpuarray.empty(5, dtype)
        _philox.fill(distribution, data, KEY, 0, None, "test")
    assert g.gen_uniform(3, np.float64).get().shape == (3,)


# ------------------------------------------------------------------------------- bad input ---

@pytest.mark.parametrize("dtype", [np.float16, np.int64, np.uint64, np.int16, np.complex64, np.bool_])
def test_an_unsupported_uniform_dtype_is_pycudas_not_implemented_error(dtype):
    g = XORWOWRandomNumberGenerator(SEEDS)
    with pytest.raises(NotImplementedError, match=rf"^gen_uniform: dtype {np.dtype(dtype)} is not offered"):
        g.gen_uniform(4, dtype)
    with pytest.raises(NotImplementedError, match=rf"^fill_uniform: dtype {np.dtype(dtype)} is not offered"):
        g.fill_uniform(gpuarray.zeros(4, dtype))
    with pytest.raises(NotImplementedError, match=rf"^rand: dtype {np.dtype(dtype)} is not offered"):
        curandom.rand(4, dtype)
    assert g.counter == 0


@pytest.mark.parametrize("dtype", [np.int32, np.uint32, np.float16, np.complex128])
def test_normals_are_float_only(dtype):
    g = XORWOWRandomNumberGenerator(SEEDS)
    offered = r"^fill_normal: dtype \w+ is not offered \(it makes float32, float64\)$"
    with pytest.raises(NotImplementedError, match=offered):
        g.fill_normal(gpuarray.zeros(4, dtype))
    with pytest.raises(NotImplementedError, match=r"^gen_log_normal: dtype"):
        g.gen_log_normal(4, dtype, 0.0, 1.0)


def test_poisson_dtypes_and_means():
    g = XORWOWRandomNumberGenerator(SEEDS)
    for dtype in (np.float32, np.float64, np.int32):
        with pytest.raises(NotImplementedError, match=r"^gen_poisson: dtype \w+ is not offered \(it makes uint32\)$"):
            g.gen_poisson(4, dtype, 2.0)
        with pytest.raises(NotImplementedError, match=r"^fill_poisson: dtype \w+ is not offered \(it makes uint32\)$"):
            g.fill_poisson(gpuarray.zeros(4, dtype), 2.0)
    with pytest.raises(NotImplementedError, match=r"^fill_poisson: dtype int32 is not offered \(it makes float32, "):
        g.fill_poisson(gpuarray.zeros(4, np.int32))
    for lam in (-1.0, 2.0**31, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"^gen_poisson: lambda_value must be in \[0, 2\*\*31\)"):
            g.gen_poisson(4, np.uint32, lam)
        with pytest.raises(ValueError, match=r"^fill_poisson: lambda_value must be in \[0, 2\*\*31\)"):
            g.fill_poisson(gpuarray.zeros(4, np.uint32), lam)
    with pytest.raises(TypeError, match=r"^gen_poisson: lambda_value must be a real number, got str$"):
        g.gen_poisson(4, np.uint32, "2")
    assert g.counter == 0
    assert g.gen_poisson(5, np.uint32, 0.0).get().tolist() == [0] * 5


@pytest.mark.parametrize("getter", [
    lambda n: gpuarray.to_gpu(np.zeros(n + 1, np.int32)),
    lambda n: gpuarray.to_gpu(np.zeros(n, np.int64)),
    lambda n: np.zeros(n, np.int32),
    lambda n: None,
])
def test_a_bad_seed_getter_is_pycudas_type_error(getter):
    with pytest.raises(TypeError, match=r"^seed must be GPUArray of integers of right length$"):
        XORWOWRandomNumberGenerator(getter)


def test_pycudas_seed_getters():
    s = curandom.seed_getter_uniform(5).get()
    assert s.dtype == np.int32 and s.shape == (5,) and (s == s[0]).all() and 0 <= s[0] < 2**31 - 1
    np.random.seed(3)
    u = curandom.seed_getter_unique(6).get()
    np.random.seed(3)
    np.testing.assert_array_equal(u, np.random.randint(0, 2**31 - 1, 6).astype(np.int32))
    for getter in (curandom.seed_getter_uniform, curandom.seed_getter_unique, None):
        assert XORWOWRandomNumberGenerator(getter).gen_uniform(2, np.float32).shape == (2,)


@pytest.mark.parametrize(("offset", "error", "message"), [
    (-1, ValueError, r"must be in \[0, 2\*\*64\), got -1"), (2**64, ValueError, "got 18446744073709551616"),
    (1.5, TypeError, "'float' object cannot be interpreted as an integer"),
    ("3", TypeError, "'str' object cannot be interpreted as an integer")])
def test_a_bad_offset_or_skip(offset, error, message):
    with pytest.raises(error, match=message):
        XORWOWRandomNumberGenerator(SEEDS, offset=offset)
    g = XORWOWRandomNumberGenerator(SEEDS)
    with pytest.raises(error, match=message):
        g.call_skip_ahead(offset)
    assert g.counter == 0


def test_fill_needs_a_contiguous_gpuarray():
    g = XORWOWRandomNumberGenerator(SEEDS)
    with pytest.raises(TypeError, match=r"^fill_uniform: data must be a GPUArray, got ndarray"):
        g.fill_uniform(np.zeros(4, np.float32))
    a = gpuarray.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match=r"^fill_normal: data must be contiguous"):
        g.fill_normal(a[:, ::2])
    assert (a.get() == 0).all() and g.counter == 0
    with pytest.raises(ValueError, match="negative dimensions"):
        g.gen_uniform((-1,), np.float32)
    assert g.counter == 0


# ---------------------------------------------------------------------- NVRTC and hiprtc ---

KERNELS = sorted({_philox.KERNEL.format(kind=kind) for kind, _c, _p in _philox.KINDS.values()}
                 | {"pygpu_philox4x32_10"})


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PYGPU_CACHE_DIR", str(tmp_path / "cache"))


@needs_nvrtc
def test_nvrtc_compiles_the_source(cache_dir):
    ptx, _ = compile_for("cuda", _philox.source(), arch="compute_80", name="curandom.cu")
    for kernel in KERNELS:
        assert f".entry {kernel}(".encode() in ptx
    cubin, _ = compile_for("cuda", _philox.source(), arch="sm_80", name="curandom.cu")
    assert cubin[:4] == b"\x7fELF"


@needs_hiprtc
def test_hiprtc_compiles_the_source(cache_dir):
    image, _ = compile_for("hip", _philox.source(), arch="gfx90a", name="curandom.hip")
    assert image[:4] == b"\x7fELF"
    for kernel in KERNELS:
        assert kernel.encode() + b".kd" in image


def test_the_pycuda_runner_routes_curandom():
    from PyGPU import _pycuda_shim

    assert _pycuda_shim.ROUTES["pycuda.curandom"] == "PyGPU.curandom"
    assert _pycuda_shim._offered("PyGPU.curandom")
    assert PyGPU.curandom is curandom
