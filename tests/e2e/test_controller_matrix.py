"""Issues 4 and 11 on a real cluster: the baseline (v3.7 line), the v4 lane and a planted mutant, in every topology,
on the local provider.

Runs the packaged suites in a child pytest against the local cluster that the `local_cluster` fixture keeps up,
then reads the matrix the run wrote: the baseline and the v4 build (judged against its own line) pass
everything, the mutant fails exactly the check its patch breaks, the v4 CRD check lists the classified
differences from the baseline. (dsp-managed has its own slice: test_dsp_managed.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pins import BASELINE, V4
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import version

pytestmark = pytest.mark.cluster

BUILDS = [f"v4={V4}", f"mutant={BASELINE}+patch:drop-pod-labels"]
TOPOLOGIES = ["upstream-global", "native-namespaced", "dropin-global", "namespaced-copy"]
CHECKS = [
    "test_smoke_workflow_succeeds",
    "test_pod_metadata_reaches_pods",
    "test_crd_schemas_match_baseline",
    "test_two_controllers_on_the_same_workflows",
    "test_controller_footprint",
]
NAMESPACED_ONLY = "test_two_controllers_on_the_same_workflows"


@pytest.fixture(scope="module")
def matrix(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = tmp_path_factory.mktemp("matrix")
    args = [
        sys.executable, "-m", "pytest", str(suites_dir() / "test_controllers.py"), "-p", "argo_conformance",
        "--argo-provider=local", f"--cluster-name={local_cluster.name}", "--keep-cluster",
        f"--argo-report-dir={report}", "-p", "no:cacheprovider", "-rA",
        "--argo-topology=" + ",".join(TOPOLOGIES),
    ] + [f"--argo-controller={b}" for b in BUILDS]
    done = subprocess.run(args, capture_output=True, text=True, timeout=3600, check=False)
    (report / "run.log").write_text(done.stdout + done.stderr)
    print(done.stdout[-6000:])
    assert (report / "matrix.json").is_file(), f"the run wrote no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    written: dict[str, Any] = json.loads((report / "matrix.json").read_text())
    return written


def _cells(matrix: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(c["build"], c["topology"], c["check"]): c for c in matrix["cells"]}


def test_every_cell_is_filled(matrix: dict[str, Any]) -> None:
    cells = _cells(matrix)
    for build in ("upstream", "v4", "mutant"):
        for topology in TOPOLOGIES:
            for check in CHECKS:
                assert (build, topology, check) in cells, f"no cell for {build} / {topology} / {check}"
                assert cells[(build, topology, check)]["outcome"] != "error", cells[(build, topology, check)]
    assert matrix["versions"]["kubernetes"] == version("kubernetes")


@pytest.mark.parametrize("build", ["upstream", "v4"])
def test_each_upstream_line_passes_everything_against_itself(matrix: dict[str, Any], build: str) -> None:
    for (name, topology, check), cell in _cells(matrix).items():
        if name != build:
            continue
        expected = "skipped" if check == NAMESPACED_ONLY and "global" in topology else "passed"
        assert cell["outcome"] == expected, cell


def test_mutant_fails_exactly_the_pod_metadata_check(matrix: dict[str, Any]) -> None:
    for (build, topology, check), cell in _cells(matrix).items():
        if build != "mutant":
            continue
        if check == "test_pod_metadata_reaches_pods":
            assert cell["outcome"] == "failed" and "spec.podMetadata.labels" in cell["reason"], cell
        else:
            baseline = _cells(matrix)[("upstream", topology, check)]
            assert cell["outcome"] == baseline["outcome"], (cell, baseline)


def test_each_build_names_what_it_was_judged_against(matrix: dict[str, Any]) -> None:
    builds = {b["name"]: b for b in matrix["builds"]}
    assert builds["v4"]["compared_with"] == "itself (upstream release of the v4.0 line)"
    assert builds["mutant"]["compared_with"].startswith(f"upstream ({BASELINE}); CRDs: upstream {BASELINE}")


def test_the_v4_crd_check_lists_its_classified_differences_from_the_baseline(matrix: dict[str, Any]) -> None:
    cell = _cells(matrix)[("v4", "upstream-global", "test_crd_schemas_match_baseline")]
    notes = cell["notes"]
    assert cell["outcome"] == "passed", cell
    assert f"CRDs against upstream {V4} (v4.0 line): identical" in notes
    summary = next(n for n in notes if n.startswith(f"CRDs against the baseline upstream {BASELINE}"))
    assert "breaking" in summary and "additive" in summary, summary
    assert any(n.startswith("breaking: ...synchronization.mutex removed") for n in notes), notes
    assert any(n.startswith("additive: ") for n in notes), notes


def test_footprint_figures_are_recorded(matrix: dict[str, Any]) -> None:
    cell = _cells(matrix)[("upstream", "upstream-global", "test_controller_footprint")]
    assert cell["figures"]["controller.memory_mib"] > 0
    assert "controller.cpu_millicores" in cell["figures"]


def test_two_controllers_are_told_apart(matrix: dict[str, Any]) -> None:
    cell = _cells(matrix)[("upstream", "native-namespaced", NAMESPACED_ONLY)]
    assert any("processed by namespaced, global" in n for n in cell["notes"]), cell
