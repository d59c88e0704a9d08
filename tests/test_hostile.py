"""Hostile input (Hypothesis): every generated call ends in success, a
cudaError_t, or a documented exception with a message, never a crash, a hang
or a silent wrong result. Marker `hostile`; the example budget comes from the
Hypothesis profile: `ci` (default, fast) or `long` (HYPOTHESIS_PROFILE=long).

Raw integers are generated only where the simulated device checks them (the
device side of a copy): a raw integer used as a *host* address is trusted, as
by the CUDA runtime, and is not something a test can probe without risking the
process.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

import PyGPU as g
from helpers.memory import free_bytes

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytestmark = pytest.mark.hostile

DOCUMENTED = (TypeError, ValueError, OverflowError, IndexError, BufferError, NotImplementedError, g.CudaError)
ROUND = 256


def described(exc: BaseException) -> BaseException:
    """`exc`, which must say something."""
    assert str(exc), f"{type(exc).__name__} without a message"
    return exc


def outcome(fn, *args, **kwargs):
    """Call; return the result or the documented exception (which must say something)."""
    try:
        result = fn(*args, **kwargs)
    except DOCUMENTED as exc:
        return described(exc)
    if isinstance(result, tuple):
        assert len(result) == 2 and isinstance(result[1], g.cudaError_t), result
        if result[1]:
            assert result[0] is None
    else:
        assert result is None or isinstance(result, g.cudaError_t), result
    return result


def failed(result) -> bool:
    if isinstance(result, BaseException):
        return True
    err = result[1] if isinstance(result, tuple) else result
    return bool(err)


junk = st.one_of(
    st.none(), st.text(max_size=4), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.lists(st.integers(-3, 3), max_size=3), st.binary(max_size=6), st.just(object()),
    st.integers(-(2**70), 2**70))
sizes = st.one_of(st.integers(-(2**66), 2**66), st.sampled_from([0, 1, 255, 256, 4096, (1 << 30) + 1, 2**64 - 1]),
                  st.floats(), st.none(), st.text(max_size=3))
device_ints = st.one_of(st.integers(0, 2**64 - 1), st.integers(-(2**64), -1))


@pytest.fixture
def live(dev_alloc):
    return dev_alloc(4096)


@given(size=sizes)
def test_malloc_any_size(size):
    r = outcome(g.cudaMalloc, size)
    if not failed(r):
        assert int(r[0]) % 256 == 0 or size == 0
        assert g.cudaFree(r[0]) == g.cudaSuccess


@given(ptr=st.one_of(junk, device_ints))
def test_free_anything(ptr):
    r = outcome(g.cudaFree, ptr)
    if not isinstance(r, BaseException) and ptr not in (0, False):
        assert r in (g.cudaErrorInvalidValue,) or r == g.cudaSuccess


@given(data=st.data(), kind=st.one_of(st.integers(-2, 9), junk), count=sizes)
def test_memcpy_device_side_anything(live, data, kind, count):
    host = np.zeros(64, np.uint8)
    device_side = data.draw(st.one_of(st.just(live), device_ints, junk, st.just(live + 4000)), "device")
    if kind == g.cudaMemcpyHostToDevice:
        args = (device_side, host)
    elif kind == g.cudaMemcpyDeviceToHost:
        args = (host, device_side)
    elif kind == g.cudaMemcpyDeviceToDevice:
        args = (device_side, live)
    else:  # host-to-host and default: raw ints would be host addresses, so buffers and junk only
        assume(not isinstance(device_side, int) or isinstance(device_side, bool))
        args = (host, device_side if not isinstance(device_side, g.pointer_wrapper_void) else host)
    r = outcome(g.cudaMemcpy, *args, count, kind)
    if not failed(r):
        assert isinstance(count, int) and 0 <= count <= 4096


@given(value=st.one_of(st.integers(-(2**40), 2**40), junk), count=sizes, offset=st.integers(0, 5000))
def test_memset_anything(live, value, count, offset):
    outcome(g.cudaMemset, int(live) + offset, value, count)


@given(handle=st.one_of(device_ints, junk))
def test_streams_from_anything(handle):
    for call in (g.cudaStreamQuery, g.cudaStreamSynchronize):
        r = outcome(call, handle)
        if handle in (None, 0, 1, 2, False) and not isinstance(handle, float):
            continue
        assert failed(r)


@given(flags=st.one_of(st.integers(-5, 2**33), junk), priority=st.one_of(st.integers(-(2**40), 2**40), junk))
def test_stream_and_event_creation(flags, priority):
    outcome(g.cudaStreamCreateWithPriority, flags, priority)
    outcome(g.cudaEventCreateWithFlags, flags)


def test_destroyed_objects_are_refused():
    s, e = g.cudaStream_t(), g.cudaEvent_t()
    s.destroy(), e.destroy()
    for call, args in [(g.cudaStreamSynchronize, (s,)), (g.cudaEventRecord, (e, None)),
                       (g.cudaEventRecord, (g.cudaEvent_t(), s)), (g.cudaStreamWaitEvent, (g.cudaStream_t(), e)),
                       (g.cudaEventQuery, (e,))]:
        assert outcome(call, *args) == g.cudaErrorInvalidResourceHandle


# --- GPUArray: shapes, dtypes, strides and indices against numpy --------------

dtypes = st.sampled_from(list(g.dtypes))
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)
index_items = st.one_of(
    st.integers(-7, 7), st.none(), st.just(Ellipsis),
    st.builds(slice, st.one_of(st.none(), st.integers(-8, 8)), st.one_of(st.none(), st.integers(-8, 8)),
              st.one_of(st.none(), st.integers(-4, 4))),
    st.just([0, 1]), st.just(np.array([True])), st.floats(-2, 2), st.text(max_size=1))


@given(shape=shapes, dtype=dtypes, index=st.lists(index_items, max_size=5).map(tuple))
def test_indexing_matches_numpy(shape, dtype, index):
    host = (np.arange(int(np.prod(shape))) % 100).astype(dtype).reshape(shape)
    a = g.to_gpu(host)
    try:
        expected = host[index]
    except (IndexError, ValueError, TypeError):
        expected = None
    try:
        view = a[index]
    except (IndexError, ValueError, TypeError) as exc:
        described(exc)
        return
    assert expected is not None, f"GPUArray accepted {index!r} which numpy refuses"
    expected = np.asarray(expected)  # numpy gives a scalar for full integer indexing; GPUArray a 0-d view
    if expected.ndim and expected.size and not np.shares_memory(expected, host):
        pytest.fail(f"numpy copied for {index!r} but GPUArray returned a view")  # advanced indexing slipped through
    assert view.shape == expected.shape
    assert np.array_equal(view.get(), expected)
    if view.size:
        fill = np.ones((), dtype)
        view.fill(fill)
        host_copy = host.copy()
        host_copy[index] = fill
        assert np.array_equal(a.get(), host_copy)


@given(shape=st.one_of(shapes, junk), dtype=st.one_of(dtypes, junk, st.sampled_from(["U3", "O", "M8", "V4"])),
       order=st.one_of(st.sampled_from(["C", "F"]), junk))
def test_constructor_anything(shape, dtype, order):
    try:
        a = g.GPUArray(shape, dtype, order=order)
    except (TypeError, ValueError, OverflowError, g.CudaError) as exc:
        described(exc)
        return
    assert a.size == int(np.prod(a.shape))
    assert a.get().shape == a.shape


@given(shape=shapes.filter(lambda s: len(s) > 0), dtype=dtypes, data=st.data())
def test_set_get_with_mismatches(shape, dtype, data):
    a = g.zeros(shape, dtype)
    other_shape = data.draw(shapes, "other shape")
    other_dtype = data.draw(dtypes, "other dtype")
    host = np.zeros(other_shape, other_dtype)
    reshaped = host.size == a.size and other_shape != shape
    try:
        with pytest.warns(UserWarning, match="different shape") if reshaped else _null():
            a.set(host)
    except (ValueError, TypeError) as exc:
        refused: BaseException | None = exc
    else:
        refused = None
    if refused is not None:
        assert host.size != a.size or np.dtype(other_dtype) != a.dtype, refused
        return
    assert host.size == a.size and np.dtype(other_dtype) == a.dtype


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- stateful: allocations, copies, frees, streams and events against a model --

class DeviceModel(RuleBasedStateMachine):
    """Device memory contents and accounting, checked after every step."""

    buffers = Bundle("buffers")

    def __init__(self):
        super().__init__()
        free_bytes()  # earlier tests' dropped arrays: what their memory pools hold goes back to the device first
        (self.free0, self.total), _ = g.cudaMemGetInfo()
        self.model = {}  # id -> (pointer, numpy bytes)
        self.stream = g.cudaStream_t()
        self.event = g.cudaEvent_t()

    @rule(target=buffers, n=st.integers(1, 5000))
    def allocate(self, n):
        ptr, err = g.cudaMalloc(n)
        assert err == g.cudaSuccess
        content = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8)
        assert g.cudaMemcpy(ptr, content, n, g.cudaMemcpyHostToDevice) == g.cudaSuccess
        self.model[id(ptr)] = (ptr, content)
        return ptr

    @rule(dst=buffers, src=buffers, data=st.data())
    def copy(self, dst, src, data):
        if id(dst) not in self.model or id(src) not in self.model or dst is src:
            return
        d, s = self.model[id(dst)][1], self.model[id(src)][1]
        n = data.draw(st.integers(0, min(d.size, s.size)))
        use_stream = data.draw(st.booleans())
        err = (g.cudaMemcpyAsync(dst, src, n, g.cudaMemcpyDeviceToDevice, self.stream) if use_stream
               else g.cudaMemcpy(dst, src, n, g.cudaMemcpyDeviceToDevice))
        assert err == g.cudaSuccess
        d[:n] = s[:n]

    @rule(dst=buffers, value=st.integers(0, 255))
    def memset(self, dst, value):
        if id(dst) not in self.model:
            return
        assert g.cudaMemsetAsync(dst, value, dst.extent, self.stream) == g.cudaSuccess
        self.model[id(dst)][1][:] = value

    @rule(buf=consumes(buffers))
    def free(self, buf):
        if id(buf) in self.model:
            assert g.cudaFree(buf) == g.cudaSuccess
            del self.model[id(buf)]
        assert g.cudaFree(buf) == g.cudaErrorInvalidValue  # a second free is caught

    @rule()
    def record_and_wait(self):
        assert self.event.record(self.stream) == g.cudaSuccess
        assert self.event.synchronize() == g.cudaSuccess

    @invariant()
    def contents_and_accounting_agree(self):
        assert self.stream.synchronize() == g.cudaSuccess
        for ptr, content in self.model.values():
            out = np.empty_like(content)
            assert g.cudaMemcpy(out, ptr, out.size, g.cudaMemcpyDeviceToHost) == g.cudaSuccess
            assert np.array_equal(out, content)
        used = sum(-(-c.size // ROUND) * ROUND for _, c in self.model.values())
        (free, total), _ = g.cudaMemGetInfo()
        assert total == self.total and self.free0 - free == used

    def teardown(self):
        for ptr, _ in self.model.values():
            g.cudaFree(ptr)
        (free, _), _ = g.cudaMemGetInfo()
        assert free == self.free0, "an allocation leaked"


TestDeviceModel = DeviceModel.TestCase
TestDeviceModel.settings = settings(max_examples=int(os.environ.get("PYGPU_STATEFUL_EXAMPLES", "25")),
                                    stateful_step_count=30, deadline=None,
                                    suppress_health_check=list(HealthCheck))
