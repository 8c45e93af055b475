#!/usr/bin/env python3
"""Wall time of `argo-conformance run`, as a user runs it, under one or more settings, one after another.

    python bench/run_wall_time.py                                   # the default run, as it is
    python bench/run_wall_time.py --setting "--argo-lookahead=0" --setting "" -- --argo-topology upstream-global

Each `--setting` is a run (its extra arguments, split on spaces; "" is the defaults); the arguments after `--` go
to every run. On the local provider a running local cluster is reused and kept (`--keep-cluster`), so a run pays
no cluster start. For each run it prints the wall time, the peak memory of the run's own process tree (not the
cluster's), the matrix counts, the summed check durations, the slowest checks, and, from the matrix figures, how
many checks took a workflow submitted ahead and how long serial checks waited for the cell to drain; and writes the
same to `bench/results/run-wall-time.md` (`--results NAME`). Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setting", action="append", default=None, metavar="ARGS",
                        help='extra arguments of one run (repeatable; "" is the defaults)')
    parser.add_argument("--slowest", type=int, default=8, help="how many of the slowest checks to list")
    parser.add_argument("--results", default="run-wall-time.md", help="file name under bench/results/")
    parser.add_argument("common", nargs="*", help="arguments for every run (after --)")
    args = parser.parse_args()
    lines = [f"# `argo-conformance run` wall time ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC)", ""]
    for setting in args.setting if args.setting is not None else [""]:
        lines += run_once(shlex.split(setting), args.common, args.slowest)
    results = RESULTS_DIR / args.results
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text("\n".join(lines) + "\n")
    print(f"written: {results}")
    return 0


def run_once(setting: list[str], common: list[str], slowest: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="argo-conformance-bench-") as work:
        report = Path(work) / "report"
        command = [str(Path(sysconfig.get_path("scripts")) / "argo-conformance"), "run", "--keep-cluster",
                   f"--argo-report-dir={report}", "-p",
                   "no:cacheprovider", "-q", "--log-cli-level=WARNING", *setting, *common]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.monotonic()
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        peak_mib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        title = " ".join(setting) or "defaults"
        out = [f"## {title}", "", f"`{shlex.join(['argo-conformance', 'run', *setting, *common])}`", ""]
        lines = done.stdout.splitlines()
        summary = [line for line in lines if line.startswith(("upstream:", "=", "argo-conformance:"))]
        warned = [line for line in lines if "Warning:" in line]
        matrix_path = report / "matrix.json"
        if not matrix_path.is_file():
            out += [f"no matrix written (exit {done.returncode}):", "", "```", done.stdout[-3000:], done.stderr[-2000:],
                    "```", ""]
            print("\n".join(out))
            return out
        cells = json.loads(matrix_path.read_text())["cells"]
        outcomes = Counter(c["outcome"] for c in cells)
        ran = [c for c in cells if c["outcome"] != "skipped"]
        by_suite: Counter[str] = Counter()
        for cell in ran:
            by_suite[cell["suite"]] += cell["duration"]
        took = [c for c in ran if "lookahead.head_start_seconds" in c["figures"]]
        drained = [c["figures"]["lookahead.drain_seconds"] for c in ran if "lookahead.drain_seconds" in c["figures"]]
        out += [
            f"- wall time: **{wall:.0f} s ({wall / 60:.1f} min)**, exit {done.returncode}; peak RSS of the run's "
            f"process: {peak_mib:.0f} MiB",
            f"- matrix: {len(cells)} cells: " + ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())),
            f"- summed check durations: {sum(c['duration'] for c in ran):.0f} s over {len(ran)} checks that ran",
            f"- checks that took a workflow submitted ahead: {len(took)} (median head start "
            f"{_median([c['figures']['lookahead.head_start_seconds'] for c in took]):.1f} s); serial checks that "
            f"waited for their cell to drain: {len(drained)}, {sum(drained):.0f} s in all",
            "- slowest checks: " + "; ".join(
                f"{c['check']} [{c['topology']}] {c['duration']:.0f} s"
                for c in sorted(ran, key=lambda c: -c["duration"])[:slowest]),
            "- summed durations by suite (a GPU check's includes its wait for the cluster-wide GPU lock): " + ", ".join(
                f"{suite} {seconds:.0f} s" for suite, seconds in by_suite.most_common(6)),
            *(f"- warning: `{line.strip()[:300]}`" for line in dict.fromkeys(warned)),
            *(f"- `{line}`" for line in summary[-4:]),
            "",
        ]
        print("\n".join(out), flush=True)
        return out


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else 0.0


if __name__ == "__main__":
    sys.exit(main())
