#!/usr/bin/env python3
"""Benchmark the local provider: cold build time, warm `cluster up` time, resident memory of the processes.

    python bench/local_cluster.py              # cold build (empty Go caches in a temp dir), then warm up/down
    python bench/local_cluster.py --warm-only  # skip the cold build: build from the normal cache, then up/down

The cold build runs `argo-conformance cluster build` with GOCACHE, GOMODCACHE and XDG_CACHE_HOME pointing at an
empty temporary directory, so it measures what a fresh CI machine pays (module downloads included) without
touching the real caches. Needs root (the cluster) and no local cluster running.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_argo_conformance.providers.local import procs
from pytest_argo_conformance.providers.local.cluster import LocalCluster
from pytest_argo_conformance.providers.local.daemons import COMPONENTS, CONTROL_PLANE

BUILD_TIMEOUT = 3600
UP_TIMEOUT = 600
CLI = [sys.executable, "-m", "pytest_argo_conformance.command.main", "cluster"]


def timed(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    done = subprocess.run(cmd, env=env, timeout=timeout, check=False)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd)}` failed with exit {done.returncode}")
    return time.monotonic() - start


def cold_build() -> float:
    scratch = Path(tempfile.mkdtemp(prefix="argo-conformance-cold-"))
    env = dict(os.environ, GOCACHE=str(scratch / "go-build"), GOMODCACHE=str(scratch / "go-mod"),
               XDG_CACHE_HOME=str(scratch / "xdg"))
    try:
        return timed(CLI + ["build"], BUILD_TIMEOUT, env)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(scratch)], timeout=300, check=False)  # the module cache is 0444
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm-only", action="store_true", help="skip the cold build")
    parser.add_argument("--name", default="argo-conformance-bench", help="cluster name (default: %(default)s)")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="also write the figures as JSON")
    args = parser.parse_args()

    cluster = LocalCluster(args.name)
    if cluster.status(check_node=False).exists:
        raise SystemExit(f"local cluster {args.name} exists: run `argo-conformance cluster down --name {args.name}`")

    figures: dict[str, object] = {}
    if not args.warm_only:
        figures["cold_build_s"] = round(cold_build(), 1)
    figures["warm_build_s"] = round(timed(CLI + ["build"], BUILD_TIMEOUT), 1)  # fills the real cache if needed
    figures["warm_up_s"] = round(timed(CLI + ["up", "--name", args.name], UP_TIMEOUT), 1)
    try:
        time.sleep(5)  # let the control plane settle before sampling memory
        rss: dict[str, int] = {}
        for comp in COMPONENTS:
            proc = procs.read(cluster.layout.pids, comp)
            kib = procs.rss_kib(proc.pid) if proc else None
            rss[comp] = round((kib or 0) / 1024)
        figures["rss_mib"] = rss
        figures["control_plane_rss_mib"] = sum(rss[c] for c in CONTROL_PLANE)
        figures["all_processes_rss_mib"] = sum(rss.values())
        figures["reused_up_s"] = round(timed(CLI + ["up", "--name", args.name], UP_TIMEOUT), 1)
    finally:
        figures["down_s"] = round(timed(CLI + ["down", "--name", args.name], UP_TIMEOUT), 1)

    print()
    if "cold_build_s" in figures:
        print(f"cold build (empty Go caches):      {figures['cold_build_s']:>7} s")
    print(f"warm build (cached, no-op):        {figures['warm_build_s']:>7} s")
    print(f"warm `cluster up` (to node Ready): {figures['warm_up_s']:>7} s   (goal <= 20 s)")
    print(f"second `cluster up` (reuse):       {figures['reused_up_s']:>7} s")
    print(f"`cluster down`:                    {figures['down_s']:>7} s")
    print(f"control plane RSS (etcd, apiserver, controller-manager, scheduler): {figures['control_plane_rss_mib']} MiB")
    print("RSS per process (MiB): " + ", ".join(f"{k} {v}" for k, v in rss.items()))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
