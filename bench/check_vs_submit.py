#!/usr/bin/env python3
"""Per-check cost against `argo submit --wait`, side by side on one cell, and the cell's install and removal time.

    python bench/check_vs_submit.py                          # upstream-global, the baseline build, 3 rounds
    python bench/check_vs_submit.py --topology dsp-managed --rounds 5

On the local provider (a running local cluster is reused and kept; otherwise one is started and kept): installs one
cell as the suite does (timed), then, for each manifest, alternately runs it the way a check does (the suite's
WorkflowRunner: submit, then watch until it has finished) and with the build's own `argo submit --wait` (the CLI
built beside the controller, same namespace, same instance id), `--rounds` times each, and removes the cell (timed:
the deletes, and until its namespaces are gone).
Prints the median of each and the ratio suite / `argo submit --wait` per manifest. The issue's target is a ratio of
at most 1.1; times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from pytest_argo_conformance import kube
from pytest_argo_conformance.components import s3
from pytest_argo_conformance.components.argo import install as argo_install
from pytest_argo_conformance.components.argo.artifacts import prepare
from pytest_argo_conformance.components.argo.build import build_binaries
from pytest_argo_conformance.components.argo.build_refs import parse_build
from pytest_argo_conformance.components.argo.runner import WorkflowRunner
from pytest_argo_conformance.components.argo.topologies import BY_ID
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube.ownership import RunLease, new_run_id
from pytest_argo_conformance.providers.local.provider import LocalProvider

MANIFESTS = ("hello", "steps-artifacts", "dag-fanout")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", default="upstream-global", choices=sorted(BY_ID))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cluster-name", default="argo-conformance")
    args = parser.parse_args()
    provider = LocalProvider(args.cluster_name, keep=True)
    cluster = provider.up()
    build = parse_build(f"upstream={version('argo-workflows')}", baseline=True)
    artifacts = prepare(build, provider)
    argo_cli = build_binaries(build).bin_dir / "argo"
    lease = RunLease(kube.api_client(cluster), new_run_id())
    lease.start()
    try:
        s3.share(lease, s3.image_for(provider))
        started = time.monotonic()
        inst = argo_install.install(cluster, artifacts, artifacts, BY_ID[args.topology], "bench", lease)
        installed = time.monotonic() - started
        runner = WorkflowRunner(inst)
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            for name in MANIFESTS:
                manifest = runner.load(name)
                manifest.setdefault("metadata", {}).setdefault("labels", {}).update(runner.labels)
                path = Path(tmp) / f"{name}.yaml"
                path.write_text(yaml.safe_dump(manifest))
                suite, cli = [], []
                for _ in range(args.rounds):
                    t0 = time.monotonic()
                    runner.run(runner.load(name))
                    suite.append(time.monotonic() - t0)
                    t0 = time.monotonic()
                    done = subprocess.run(
                        [str(argo_cli), "submit", "--wait", "-n", inst.namespace, "--instanceid", inst.instance_id,
                         "--serviceaccount", inst.workflow_service_account, str(path)],
                        capture_output=True, text=True, timeout=600, check=False,
                        env={"KUBECONFIG": str(cluster.kubeconfig), "PATH": "/usr/bin:/bin"})
                    cli.append(time.monotonic() - t0)
                    if done.returncode != 0:
                        print(f"argo submit --wait {name} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
                        return 1
                rows.append((name, statistics.median(suite), statistics.median(cli)))
                print(f"{name}: suite {' '.join(f'{x:.2f}' for x in suite)} s; argo submit --wait "
                      f"{' '.join(f'{x:.2f}' for x in cli)} s", flush=True)
        started = time.monotonic()
        removal = inst.start_uninstall()
        deleted = time.monotonic() - started
        removal.wait()
        removed = time.monotonic() - started
    finally:
        s3.release(lease)
        argo_install.release_crds(lease)
        lease.stop()
    print(f"cell {args.topology}: install {installed:.1f} s, removal {removed:.1f} s (of which the deletes "
          f"{deleted:.1f} s, then the namespaces going, which a run overlaps with the next cell)")
    print(f"{'manifest':<18} {'suite (s)':>10} {'argo submit --wait (s)':>24} {'ratio':>6}")
    for name, suite_s, cli_s in rows:
        print(f"{name:<18} {suite_s:>10.1f} {cli_s:>24.1f} {suite_s / cli_s:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
