#!/usr/bin/env python3
"""Harness overhead of the workflow suite: its wall time over the summed run time of the workflows it ran.

    python bench/harness_overhead.py                       # upstream-global, the baseline build
    python bench/harness_overhead.py --topology native-namespaced --controller old=v3.6.10

Runs suites/test_workflows.py and suites/test_rest_api.py on the local provider (a running local cluster is
reused and kept; otherwise one is started and kept), then reads the matrix: every check records the run time of
its own workflows (startedAt..finishedAt) as the figure `workflows.seconds`. Prints the wall time of the pytest run,
the time spent in the checks (install and teardown excluded), the summed workflow time, and both ratios. The goal
for the checks' ratio is <= 1.3. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_argo_conformance.config.paths import suites_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", default="upstream-global")
    parser.add_argument("--controller", action="append", default=[], help="extra NAME=REF builds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pytest", str(suites_dir() / "test_workflows.py"),
               str(suites_dir() / "test_rest_api.py"), "-p", "argo_conformance", "--argo-provider=local",
               "--keep-cluster", f"--argo-topology={args.topology}", f"--argo-report-dir={tmp}", "-q",
               "-p", "no:cacheprovider"] + [f"--argo-controller={c}" for c in args.controller]
        started = time.monotonic()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        matrix_file = Path(tmp) / "matrix.json"
        if not matrix_file.is_file():
            print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
            return 1
        cells = json.loads(matrix_file.read_text())["cells"]
    checks = sum(c["duration"] for c in cells)
    workflows = sum(c["figures"].get("workflows.seconds", 0.0) for c in cells)
    outcomes = {c["outcome"] for c in cells}
    print(f"cells: {len(cells)} ({', '.join(sorted(outcomes))}); pytest exit {done.returncode}")
    print(f"suite wall time:            {wall:7.1f} s")
    print(f"checks (setup+call+teardown): {checks:5.1f} s")
    print(f"workflows' own run time:    {workflows:7.1f} s")
    if workflows:
        print(f"overhead ratio, wall/workflows:   {wall / workflows:.2f}")
        print(f"overhead ratio, checks/workflows: {checks / workflows:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
