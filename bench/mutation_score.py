#!/usr/bin/env python3
"""The mutation score of the packaged suites over the packaged mutant catalog, and how long the run takes.

    python bench/mutation_score.py                       # whole catalog, upstream-global, first kill
    python bench/mutation_score.py --full-matrix -n 3    # every check on every mutant, three cells at once
    python bench/mutation_score.py -k retries            # a slice

Runs `argo-conformance mutants` on the local provider (a running local cluster is reused and kept) and prints its
wall time split into the build step (each mutant's Go build; 0 s when cached: "warm") and the suites' run, the
score line, the survivors with why, and the kills per check area. The detection matrix (mutants.json/.md/.html)
and the run's matrix.json stay in --report-dir. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report-dir", type=Path, default=Path("argo-conformance-mutants"))
    parser.add_argument("--topology", default="upstream-global")
    parser.add_argument("-k", dest="select", help="select mutants (name or area)")
    parser.add_argument("--full-matrix", action="store_true")
    args, pytest_args = parser.parse_known_args()
    cmd = ["argo-conformance", "mutants", f"--argo-topology={args.topology}", f"--argo-report-dir={args.report_dir}"]
    cmd += (["-k", args.select] if args.select else []) + (["--full-matrix"] if args.full_matrix else [])
    cmd += ["-p", "no:cacheprovider", *pytest_args]
    env = {**os.environ, "ARGO_CONFORMANCE_KEEP_CLUSTER": "1"}
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    output = done.stdout + done.stderr
    builds = [float(s) for s in re.findall(r"mutant \d+/\d+ \S+: built \((\d+)s\)", output)]
    print(f"command: {' '.join(cmd)} (exit {done.returncode})")
    print(f"wall time: {wall:.0f} s ({wall / 60:.1f} min); builds: {len(builds)} in {sum(builds):.0f} s")
    summary = args.report_dir / "mutants.json"
    if not summary.is_file():
        print(output[-4000:])
        return 1
    data = json.loads(summary.read_text())
    for m in data["mutants"]:
        if m["status"] != "killed":
            print(f"  {m['status']:<11} {m['name']}: {m['why']}")
    areas = Counter(c.get("area", "?") for c in data["checks"] for _ in c["kills"])
    print("kills by check area: " + ", ".join(f"{a} {n}" for a, n in areas.most_common()))
    print(done.stdout.rstrip().splitlines()[-1])  # the command's own last line: the score
    return 0 if done.returncode == 0 else done.returncode


if __name__ == "__main__":
    sys.exit(main())
