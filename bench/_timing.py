"""Timing primitives: repeated samples, interleaved with their references.

A *sample* is the mean time of one call over a loop long enough to dwarf the
clock's resolution; a figure is the median of several samples, with min and
max. The subject and its references are sampled in turn within each repeat
(subject, reference, subject, reference...), so that a neighbour's burst of
work on this shared machine hits both sides alike and their ratio survives
it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import statistics
import tempfile
import time
import timeit
from collections.abc import Iterator, Sequence
from typing import Callable

Stats = dict[str, float]


def stats(samples: Sequence[float]) -> Stats:
    """median, min and max of `samples` (and their count)."""
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


class Subject:
    """Something to time: either a statement compiled by timeit (for calls of
    tens of nanoseconds, where a Python-level loop would dominate), or a
    callable `op(k)` that does the operation `k` times and returns the
    seconds spent on what counts (for copies that need a sync or a reset).
    """

    def __init__(self, name: str, stmt: str | None = None, namespace: dict | None = None,
                 op: Callable[[int], float] | None = None, between: Callable[[], None] | None = None):
        if (stmt is None) == (op is None):
            raise ValueError("give either stmt or op")
        self.name = name
        self.between = between  # untimed, after every sample (drain a queue, free memory)
        if stmt is not None:
            timer = timeit.Timer(stmt, globals=namespace or {})
            self._op = timer.timeit
        else:
            self._op = op

    def run(self, k: int) -> float:
        """Seconds per operation over `k` operations."""
        seconds = self._op(k)
        if self.between is not None:
            self.between()
        return seconds / k


def calibrate(subject: Subject, sample_s: float, max_k: int = 1 << 22) -> int:
    """Operations per sample so that one sample takes about `sample_s`."""
    k = 1
    while True:
        t = subject.run(k) * k
        if t >= sample_s / 4 or k >= max_k:
            break
        k *= 4 if t < sample_s / 40 else 2
    if t <= 0:
        return k
    return max(1, min(max_k, int(k * sample_s / t)))


def compare(subjects: list[Subject], repeats: int, sample_s: float,
            k: int | None = None) -> dict[str, list[float]]:
    """Seconds per operation for every subject, `repeats` samples each,
    interleaved. `k` fixes the operations per sample (else calibrated per
    subject). The collector is paused while sampling, as timeit does."""
    ks = {s.name: (k if k is not None else calibrate(s, sample_s)) for s in subjects}
    out: dict[str, list[float]] = {s.name: [] for s in subjects}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for s in subjects:  # warm-up
            s.run(min(ks[s.name], 16))
        for _ in range(repeats):
            for s in subjects:
                out[s.name].append(s.run(ks[s.name]))
    finally:
        if enabled:
            gc.enable()
    return out


def timed_loop(fn: Callable[[], object], after: Callable[[], object] | None = None) -> Callable[[int], float]:
    """An `op(k)` for Subject: calls fn() k times then after() once, all timed."""

    def op(k: int) -> float:
        t0 = time.perf_counter()
        for _ in range(k):
            fn()
        if after is not None:
            after()
        return time.perf_counter() - t0

    return op


def pair_ratio(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """(ratio of medians, median of the per-repeat ratios) of two interleaved series."""
    per = [x / y for x, y in zip(a, b) if y > 0]
    return statistics.median(a) / statistics.median(b), (statistics.median(per) if per else float("nan"))


@contextlib.contextmanager
def scratch_cache(prefix: str) -> Iterator[str]:
    """A new, empty compile cache (``PYGPU_CACHE_DIR``) for the block; removed, and the variable restored, after."""
    root = tempfile.mkdtemp(prefix=prefix)
    saved = os.environ.get("PYGPU_CACHE_DIR")
    os.environ["PYGPU_CACHE_DIR"] = root
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if saved is None:
            os.environ.pop("PYGPU_CACHE_DIR", None)
        else:
            os.environ["PYGPU_CACHE_DIR"] = saved
