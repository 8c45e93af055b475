"""Issue 13 on a real cluster: `pytest -n 2` runs cells side by side on one cluster. Each cell's tests stay on one
worker (the plugin turns --dist load into loadgroup), each cell has namespaces and cluster-wide objects of its own,
and what one cluster holds once (Argo's CRDs, the S3 server, Kueue) is shared through the run's leases: a worker
never removes what the other still uses. Afterwards nothing of the run is left."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from leftovers import ours_left
from pytest_argo_conformance.config.paths import suites_dir

pytestmark = pytest.mark.cluster

TOPOLOGIES = "upstream-global,native-namespaced,namespaced-copy"
CHECKS = "smoke_workflow or steps_artifacts or kueue_gates_labelled"


def test_two_workers_run_cells_side_by_side(local_cluster: Any, tmp_path: Path) -> None:
    args = [
        sys.executable, "-m", "pytest", str(suites_dir() / "test_controllers.py"),
        str(suites_dir() / "test_workflows.py"), str(suites_dir() / "test_kueue.py"),
        "-n", "2", "-v", "-p", "argo_conformance", "--argo-provider=local", f"--cluster-name={local_cluster.name}",
        "--keep-cluster", f"--argo-topology={TOPOLOGIES}", f"--argo-report-dir={tmp_path / 'report'}",
        "-p", "no:cacheprovider", "-k", CHECKS,
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=2400, check=False)
    print(done.stdout[-6000:])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    matrix = json.loads((tmp_path / "report" / "matrix.json").read_text())
    outcomes = {(c["topology"], c["check"]): c["outcome"] for c in matrix["cells"]}
    assert len(outcomes) == 9 and set(outcomes.values()) == {"passed"}, outcomes
    ran_on: dict[str, set[str]] = {}
    for worker, params in re.findall(r"\[(gw\d)\] \[\s*\d+%\] PASSED \S+?\[([^\]]+)\]", done.stdout):
        topology = next(t for t in TOPOLOGIES.split(",") if f"-{t}" in params)
        ran_on.setdefault(topology, set()).add(worker)
    assert all(len(workers) == 1 for workers in ran_on.values()), f"a cell's tests on one worker: {ran_on}"
    assert set().union(*ran_on.values()) == {"gw0", "gw1"}, f"both workers ran cells: {ran_on}"
    assert ours_left(local_cluster) == []


def test_two_separate_runs_share_the_cluster(local_cluster: Any, tmp_path: Path) -> None:
    """Two `pytest` runs started at once against one cluster (two run ids): both pass, the S3 server one of them
    deployed is kept for the other until it ends, and nothing of either is left."""

    def start(topology: str) -> subprocess.Popen[str]:
        args = [
            sys.executable, "-m", "pytest", str(suites_dir() / "test_controllers.py"), "-p", "argo_conformance",
            "--argo-provider=local", f"--cluster-name={local_cluster.name}", "--keep-cluster",
            f"--argo-topology={topology}", f"--argo-report-dir={tmp_path / topology}", "-p", "no:cacheprovider",
            "-k", "smoke_workflow", "--log-cli-level=INFO",
        ]
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    runs = [start("upstream-global"), start("native-namespaced")]
    outputs = [run.communicate(timeout=1200)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        print(output[-3000:])
        assert run.returncode == 0, output[-3000:]
    ids = {m for output in outputs for m in re.findall(r"argo-conformance run ([0-9a-f]{12}):", output)}
    assert len(ids) == 2, ids
    assert any("s3 stays: another run uses it" in output for output in outputs), "the runs did not share S3"
    assert ours_left(local_cluster) == []
