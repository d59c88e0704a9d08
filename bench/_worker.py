"""Runs the per-backend cases in a process whose backend was chosen by
PYGPU_BACKEND (one process has one backend), and prints their figures as
JSON on stdout. Started by ``python -m bench``; not meant to be run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

from . import arrays, bandwidth, calls, kernels, latency, mempool
from ._figures import PROFILES

CASES = {"calls": calls.run, "bandwidth": bandwidth.run, "latency": latency.run, "kernels": kernels.run,
         "arrays": arrays.run, "mempool": mempool.run}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    parser.add_argument("--figures", default="", help="only these figure names (|-separated)")
    args = parser.parse_args()
    import PyGPU

    only = [f for f in args.figures.split("|") if f]
    figures = []
    for case in args.cases.split(","):
        figures += CASES[case](PROFILES[args.profile], only)
    info = {"backend": PyGPU.backend, "requested": os.environ.get("PYGPU_BACKEND", "auto"),
            "pygpu_version": PyGPU.__version__, "python": platform.python_version()}
    json.dump({"info": info, "figures": figures}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
