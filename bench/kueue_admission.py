#!/usr/bin/env python3
"""Kueue's admission latency for workflow pods: pod created -> scheduling gate removed, over repeated runs.

    python bench/kueue_admission.py              # 5 runs of the gating and per-template checks, upstream-global
    python bench/kueue_admission.py --runs 10 --controller old=v3.6.10

Runs suites/test_kueue.py's gating and per-template checks `--runs` times on the local provider (a running local
cluster is reused and kept; Kueue is installed once per run), then reads every cell's figures
`kueue.admission_latency_seconds` (median of the check's pods) and `kueue.admission_latency_max_seconds`.
Prints the distribution and the wall time per run. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_argo_conformance.config.paths import suites_dir

CHECKS = "gates_labelled or per_template"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--topology", default="upstream-global")
    parser.add_argument("--controller", action="append", default=[], help="extra NAME=REF builds")
    args = parser.parse_args()
    medians: list[float] = []
    maxima: list[float] = []
    walls: list[float] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "pytest", str(suites_dir() / "test_kueue.py"), "-k", CHECKS,
                   "-p", "argo_conformance", "--argo-provider=local", "--keep-cluster",
                   f"--argo-topology={args.topology}", f"--argo-report-dir={tmp}", "-q", "-p", "no:cacheprovider",
                   ] + [f"--argo-controller={c}" for c in args.controller]
            started = time.monotonic()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            walls.append(time.monotonic() - started)
            matrix_file = Path(tmp) / "matrix.json"
            if not matrix_file.is_file():
                print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
                return 1
            cells = json.loads(matrix_file.read_text())["cells"]
        for cell in cells:
            figures = cell["figures"]
            if "kueue.admission_latency_seconds" in figures:
                medians.append(figures["kueue.admission_latency_seconds"])
                maxima.append(figures["kueue.admission_latency_max_seconds"])
        print(f"run {run + 1}: {len(cells)} cells ({', '.join(sorted({c['outcome'] for c in cells}))}), "
              f"{walls[-1]:.1f} s")
    if not medians:
        print("no admission latency recorded")
        return 1
    print(f"admission latency, median of checks: {statistics.median(medians):.3f} s "
          f"(min {min(medians):.3f}, max {max(medians):.3f}, {len(medians)} checks)")
    print(f"admission latency, worst pod:        {max(maxima):.3f} s")
    print(f"wall time per run (Kueue install, 2 checks, removal): median {statistics.median(walls):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
