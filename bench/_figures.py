"""The figure record every case produces, and the profiles' sizes."""

from __future__ import annotations

from collections.abc import Sequence

from ._timing import pair_ratio, stats

KiB, MiB = 1 << 10, 1 << 20

# Per profile: repeats (samples per figure) and seconds per sample, for call
# overhead and latency, and for bandwidth; bandwidth sizes; fresh interpreters
# per import-time figure.
PROFILES = {
    "quick": {"repeats": 15, "sample_s": 0.01, "bw_repeats": 5, "bw_sample_s": 0.01,
              "sizes": [4 * KiB, 1 * MiB, 64 * MiB], "import_runs": 9},
    "full": {"repeats": 31, "sample_s": 0.02, "bw_repeats": 11, "bw_sample_s": 0.02,
             "sizes": [4 * KiB, 64 * KiB, 1 * MiB, 16 * MiB, 64 * MiB, 256 * MiB], "import_runs": 31},
}


def size_label(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // KiB} KiB"


def figure(case: str, name: str, backend: str, unit: str, samples: Sequence[float],
           references: dict[str, Sequence[float]] | None = None, missing: dict[str, str] | None = None,
           higher_is_better: bool = False, note: str = "", **extra) -> dict:
    """One row of the report: the subject's samples and each reference's,
    already in `unit`, with the ratio of the medians (subject / reference)
    and the median of the per-repeat ratios."""
    rec = {"case": case, "name": name, "backend": backend, "unit": unit, "higher_is_better": higher_is_better,
           "value": stats(samples), "samples": list(samples), "references": {}, "ratios": {},
           "missing": dict(missing or {}), "note": note}
    for ref, ref_samples in (references or {}).items():
        rec["references"][ref] = stats(ref_samples)
        of_medians, per_repeat = pair_ratio(samples, ref_samples)
        rec["ratios"][ref] = {"of_medians": of_medians, "median_per_repeat": per_repeat}
    rec.update(extra)
    return rec


def scaled(samples: list[float], factor: float) -> list[float]:
    return [s * factor for s in samples]


def bandwidth(samples_s: list[float], nbytes: int) -> list[float]:
    """Seconds per copy -> GB/s (10^9 bytes per second)."""
    return [nbytes / s / 1e9 for s in samples_s]
