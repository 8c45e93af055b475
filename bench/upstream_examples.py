#!/usr/bin/env python3
"""Argo's own examples as a lane: run `--argo-workflows upstream-examples` on the local provider and count.

    python bench/upstream_examples.py                                # baseline, upstream-global
    python bench/upstream_examples.py --topology native-namespaced
    python bench/upstream_examples.py --shards 3                     # three runs at once, one cell each
    python bench/upstream_examples.py --matrix argo-conformance-examples/matrix.json   # count an earlier run

Prints the wall time, then: Workflow examples, excluded (suites/examples/exclusions.yaml), skipped for an image
neither present nor aliased, not in the build's line, selected (= run), passed, failed, and the pass rate of the
selected; the failures with their reasons; and writes the per-example list (outcome, reason, image aliases) to
bench/results/upstream-examples-<topology>.md. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def category(cell: dict[str, Any]) -> str:
    reason = str(cell["reason"])
    if cell["outcome"] == "skipped":
        if reason.startswith("excluded"):
            return "excluded"
        if "never pulled" in reason:
            return "image missing"
        if "not among the examples" in reason:
            return "not in the line"
        return "skipped (other)"
    return str(cell["outcome"])


def shard_expressions(shards: int) -> list[str]:
    """`-k` expressions that split the examples round-robin (by their id's `[name-` prefix)."""
    from pytest_argo_conformance.config.versions import version
    from pytest_argo_conformance.scenarios.upstream_examples import collect

    examples, _ = collect([version("argo-workflows")])
    parts: list[list[str]] = [[] for _ in range(shards)]
    for index, example in enumerate(examples):
        parts[index % shards].append(f"[{example.id}-")
    return [f"test_upstream_example and ({' or '.join(part)})" for part in parts]


def run(args: argparse.Namespace, pytest_args: list[str]) -> tuple[float, list[Path]]:
    env = {**os.environ, "ARGO_CONFORMANCE_KEEP_CLUSTER": "1"}
    selections = shard_expressions(args.shards) if args.shards > 1 else ["test_upstream_example"]
    started = time.monotonic()
    runs = []
    for index, selection in enumerate(selections):
        report = args.report_dir / f"shard-{index}" if len(selections) > 1 else args.report_dir
        cmd = ["argo-conformance", "run", "--provider", "local", "--argo-workflows", "upstream-examples",
               f"--argo-topology={args.topology}", f"--argo-report-dir={report}", "-k", selection,
               "-p", "no:cacheprovider", *pytest_args]
        report.parent.mkdir(parents=True, exist_ok=True)
        log = (report.parent / f"{report.name}.log").open("w")
        runs.append((report, subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)))
    codes = [proc.wait() for _, proc in runs]
    wall = time.monotonic() - started
    print(f"{len(runs)} run(s) of `argo-conformance run --argo-workflows upstream-examples --argo-topology "
          f"{args.topology}` (exit {codes}); logs beside {args.report_dir}")
    print(f"wall time: {wall:.0f} s ({wall / 60:.1f} min)")
    matrices = [report / "matrix.json" for report, _ in runs]
    missing = [m for m in matrices if not m.is_file()]
    if missing:
        print(f"no matrix written: {', '.join(map(str, missing))}")
        return wall, []
    return wall, matrices


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report-dir", type=Path, default=Path("argo-conformance-examples"))
    parser.add_argument("--topology", default="upstream-global")
    parser.add_argument("--matrix", type=Path, action="append", help="count this matrix.json instead of running")
    parser.add_argument("--shards", type=int, default=1, help="split the examples over N runs at once (each its "
                        "own cell; parallel runs share the cluster safely)")
    args, pytest_args = parser.parse_known_args()
    wall = None
    if args.matrix is None:
        wall, args.matrix = run(args, pytest_args)
        if not args.matrix:
            return 1
    cells = [c for m in args.matrix for c in json.loads(m.read_text())["cells"]
             if c["check"].startswith("test_upstream_example")]
    counts = Counter(category(c) for c in cells)
    selected = counts["passed"] + counts["failed"] + counts["error"]
    rate = 100.0 * counts["passed"] / selected if selected else 0.0
    print(f"examples: {len(cells)}; " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"selected (run): {selected}; passed {counts['passed']} ({rate:.1f} %)")
    for cell in cells:
        if cell["outcome"] in ("failed", "error"):
            print(f"  {cell['outcome']}: {cell['check']}: {cell['reason'][:300]}")
    topology = cells[0]["topology"] if cells else args.topology
    out = HERE / "results" / f"upstream-examples-{topology}.md"
    lines = [f"# Argo's examples on {topology} ({cells[0]['build'] if cells else '?'})", "",
             f"{len(cells)} examples: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
             + f"; pass rate of the selected {rate:.1f} %" + (f"; wall time {wall:.0f} s" if wall else ""), "",
             "| example | outcome | reason / notes |", "| --- | --- | --- |"]
    for cell in sorted(cells, key=lambda c: c["check"]):
        name = cell["check"].removeprefix("test_upstream_example[").removesuffix("]")
        notes = "; ".join(n.removeprefix("image: ") for n in cell.get("notes", []) if "->" in n or "made for" in n)
        detail = cell["reason"].replace("|", "\\|")[:160] or notes
        lines.append(f"| {name} | {category(cell)} | {detail} |")
    out.write_text("\n".join(lines) + "\n")
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
