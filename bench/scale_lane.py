#!/usr/bin/env python3
"""The scale lane's full run: `argo-conformance scale` with the baseline and the slowing mutant, as a user runs it.

    python bench/scale_lane.py                          # 1,000 workflows per build, the packaged defaults
    python bench/scale_lane.py --workflows 300 -- --argo-scale-pods=3

It runs `argo-conformance scale --provider local --workflows N --argo-controller slow=<baseline>+patch:slow-reconcile`
(a running local cluster is reused and kept), samples the machine's memory in use (MemTotal - MemAvailable) every
second, and writes bench/results/scale-lane.md: the wall time, the machine's peak memory, each build's figures and
the gate's verdicts, and the plots (bench/results/scale-completed.png, scale-queue-depth.png). Times are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"
SHOWN = [  # (figure, label)
    ("scale.throughput_per_min", "throughput, sustained (workflows/min)"),
    ("scale.peak_throughput_per_min", "throughput, peak 30 s (workflows/min)"),
    ("scale.submit_to_running_p50_s", "submit to Running p50 (s)"),
    ("scale.submit_to_running_p95_s", "submit to Running p95 (s)"),
    ("scale.submit_to_running_p99_s", "submit to Running p99 (s)"),
    ("scale.submit_to_end_p50_s", "submit to end p50 (s)"),
    ("scale.submit_to_end_p95_s", "submit to end p95 (s)"),
    ("scale.submit_to_end_p99_s", "submit to end p99 (s)"),
    ("scale.wall_seconds", "first submission to last end (s)"),
    ("scale.controller_cpu_seconds", "controller CPU (s)"),
    ("scale.controller_peak_memory_mib", "controller peak working set (MiB)"),
    ("scale.controller_cgroup_peak_mib", "controller cgroup peak (MiB)"),
    ("scale.api_requests", "controller API requests (API server's count)"),
    ("scale.api_requests_per_s", "controller API requests per second"),
    ("scale.queue_depth_max", "workflow queue depth, max"),
    ("scale.succeeded", "workflows succeeded"),
]


def memory_used_mib() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return (int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workflows", type=int, default=1000)
    parser.add_argument("--mutant", default="slow-reconcile", help="the packaged scale mutant to compare")
    parser.add_argument("--results", default="scale-lane.md", help="file name under bench/results/")
    parser.add_argument("common", nargs="*", help="more arguments for argo-conformance scale (after --)")
    args = parser.parse_args()
    from pytest_argo_conformance.config.versions import version

    baseline = version("argo-workflows")
    with tempfile.TemporaryDirectory(prefix="argo-conformance-scale-") as work:
        report = Path(work) / "report"
        command = [str(Path(sysconfig.get_path("scripts")) / "argo-conformance"), "scale", "--provider", "local",
                   "--workflows", str(args.workflows), "--argo-controller", f"slow={baseline}+patch:{args.mutant}",
                   "--keep-cluster", f"--argo-report-dir={report}", "-p", "no:cacheprovider", *args.common]
        peak = [memory_used_mib()]
        idle = peak[0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(1.0):
                peak[0] = max(peak[0], memory_used_mib())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=False)
        wall = time.monotonic() - started
        stop.set()
        sampler.join()
        lines = [f"# The scale lane ({time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC)", "",
                 f"`{shlex.join(['argo-conformance', *command[1:]])}`", "",
                 f"- wall time: **{wall:.0f} s ({wall / 60:.1f} min)**, exit {done.returncode} (builds cached, "
                 "cluster running)",
                 f"- the machine's memory in use: {idle:.0f} MiB before, **peak {peak[0]:.0f} MiB** during the run "
                 "(cluster, KWOK, controllers, the run)", ""]
        matrix_path = report / "matrix.json"
        if not matrix_path.is_file():
            lines += ["no matrix written:", "```", done.stdout[-3000:], done.stderr[-2000:], "```"]
        else:
            cells = json.loads(matrix_path.read_text())["cells"]
            lines += ["| figure | " + " | ".join(c["build"] for c in cells) + " |",
                      "| --- |" + " ---: |" * len(cells)]
            for figure, label in SHOWN:
                lines.append(f"| {label} | " + " | ".join(f"{c['figures'].get(figure, float('nan')):g}"
                                                         for c in cells) + " |")
            lines.append("")
            for cell in cells:
                lines.append(f"- **{cell['build']}: {cell['outcome']}**" + (f": {cell['reason']}" if cell.get(
                    "reason") else ""))
                lines += [f"  - {note}" for note in cell.get("notes", []) if note.startswith("scale")]
            for kind, words in (("completed", "completed workflows over time"),
                                ("queue-depth", "the controller's queue depth over time")):
                plot = report / f"scale-{kind}-upstream-global.png"
                if plot.is_file():
                    shutil.copy(plot, RESULTS_DIR / f"scale-{kind}.png")
                    lines += ["", f"![{words}](scale-{kind}.png)"]
    results = RESULTS_DIR / args.results
    results.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written: {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
