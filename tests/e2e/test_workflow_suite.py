"""Issues 5 and 11 on a real cluster: the workflow and REST suites pass for the baseline (v3.7) and the v4 lane in
topologies 1-4; the suite speaks each line's dialect (v4's CronWorkflow `schedules`)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pins import V4
from pytest_argo_conformance.config.paths import suites_dir

pytestmark = pytest.mark.cluster

TOPOLOGIES = ["upstream-global", "native-namespaced", "dropin-global", "namespaced-copy"]


@pytest.fixture(scope="module")
def matrix(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = tmp_path_factory.mktemp("workflow-matrix")
    args = [
        sys.executable, "-m", "pytest", str(suites_dir() / "test_workflows.py"), str(suites_dir() / "test_rest_api.py"),
        "-p", "argo_conformance", "--argo-provider=local", f"--cluster-name={local_cluster.name}", "--keep-cluster",
        f"--argo-report-dir={report}", "-p", "no:cacheprovider", "-rfE",
        "--argo-topology=" + ",".join(TOPOLOGIES), f"--argo-controller=v4={V4}",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=4000, check=False)
    print(done.stdout[-8000:])
    assert (report / "matrix.json").is_file(), f"the run wrote no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    written: dict[str, Any] = json.loads((report / "matrix.json").read_text())
    return written


def test_every_check_passes_for_both_builds_in_every_topology(matrix: dict[str, Any]) -> None:
    cells = matrix["cells"]
    assert {(c["build"], c["topology"]) for c in cells} == {(b, t) for b in ("upstream", "v4") for t in TOPOLOGIES}
    assert len({c["check"] for c in cells}) == 12
    failed = [f"{c['build']}/{c['topology']}/{c['check']}: {c['outcome']} {c['reason']}" for c in cells
              if c["outcome"] != "passed"]
    assert failed == []


def test_the_v4_cron_check_was_converted_to_v4s_dialect(matrix: dict[str, Any]) -> None:
    cell = next(c for c in matrix["cells"]
                if c["build"] == "v4" and c["check"] == "test_cron_workflow_fires_and_keeps_history")
    assert any("spec.schedule -> schedules" in n for n in cell["notes"]), cell["notes"]


def test_each_check_records_its_workflows_run_time(matrix: dict[str, Any]) -> None:
    for cell in matrix["cells"]:
        assert cell["figures"].get("workflows.seconds", 0) > 0, cell
