"""Issue 12 on a real cluster: the example vendor repository (a check with its own manifest, a topology of its own
installed through `pytest_argo_install`) runs with `argo-conformance run --suites` beside the packaged suites, and
the matrix holds both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.cluster

EXAMPLE = Path(__file__).parent.parent / "examples" / "vendor_repo"


@pytest.fixture(scope="module")
def matrix(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("vendor")
    repo = work / "acme-conformance"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    report = work / "report"
    args = [
        sys.executable, "-m", "pytest_argo_conformance.command.main", "run", "--suites", str(repo),
        "--argo-provider=local", f"--cluster-name={local_cluster.name}", "--keep-cluster",
        f"--argo-report-dir={report}", "-p", "no:cacheprovider", "-rfEs",
        "--argo-topology=upstream-global,acme-operator",
        "-k", "acme_hello or smoke_workflow or crd_schemas or two_controllers",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=1800, check=False, cwd=work)
    print(done.stdout[-8000:])
    assert (report / "matrix.json").is_file(), f"the run wrote no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    written: dict[str, Any] = json.loads((report / "matrix.json").read_text())
    return written


def outcomes(matrix: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(c["topology"], c["check"]): c["outcome"] for c in matrix["cells"]}


def test_the_vendor_check_and_the_packaged_smoke_check_pass_in_both_topologies(matrix: dict[str, Any]) -> None:
    seen = outcomes(matrix)
    for topology in ("upstream-global", "acme-operator"):
        assert seen[(topology, "test_acme_hello_workflow")] == "passed", matrix
        assert seen[(topology, "test_smoke_workflow_succeeds")] == "passed", matrix


def test_checks_that_need_the_suites_own_install_skip_in_the_vendor_topology(matrix: dict[str, Any]) -> None:
    seen = outcomes(matrix)
    assert seen[("upstream-global", "test_crd_schemas_match_baseline")] == "passed"
    reasons = {c["check"]: c["reason"] for c in matrix["cells"] if c["topology"] == "acme-operator"}
    for check in ("test_crd_schemas_match_baseline", "test_two_controllers_on_the_same_workflows"):
        assert seen[("acme-operator", check)] == "skipped"
        assert "needs the suite's own install of acme-operator" in reasons[check], reasons[check]
