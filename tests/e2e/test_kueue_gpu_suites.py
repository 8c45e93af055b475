"""Issues 6, 7 and 11 on a real cluster: the Kueue and GPU suites with real Kueue (the pinned release) and fake GPUs,
for the baseline and the v4 lane, and the mutant build (workflow-level pod labels dropped) failing what depends on
those labels."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from kubernetes import client

from pins import BASELINE, V4
from pytest_argo_conformance.components import gpus
from pytest_argo_conformance.components.kueue.manifests import ENABLED_LABEL, NAMESPACE
from pytest_argo_conformance.config.paths import suites_dir
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube import api_client, objects

pytestmark = pytest.mark.cluster

TOPOLOGY = "upstream-global"
MUTANT_CHECKS = ("test_kueue_gates_labelled_workflow", "test_kueue_per_template_queue",
                 "test_gpu_quota_gates_gpu_steps_while_cpu_steps_proceed")
CAPABILITY_SKIPS = {"test_kueue_admits_as_a_unit", "test_gpu_device_visible_to_step"}


@pytest.fixture(scope="module")
def matrix(local_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = tmp_path_factory.mktemp("kueue-gpu-matrix")
    mutant_only = " or ".join(MUTANT_CHECKS)
    args = [
        sys.executable, "-m", "pytest", str(suites_dir() / "test_kueue.py"), str(suites_dir() / "test_gpu.py"),
        "-p", "argo_conformance", "--argo-provider=local", f"--cluster-name={local_cluster.name}", "--keep-cluster",
        f"--argo-report-dir={report}", "-p", "no:cacheprovider", "-rfE", f"--argo-topology={TOPOLOGY}",
        f"--argo-controller=v4={V4}", f"--argo-controller=mutant={BASELINE}+patch:drop-pod-labels",
        "-k", f"not mutant or {mutant_only}",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=3000, check=False)
    print(done.stdout[-8000:])
    assert (report / "matrix.json").is_file(), f"the run wrote no matrix:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    written: dict[str, Any] = json.loads((report / "matrix.json").read_text())
    return written


def outcomes(matrix: dict[str, Any], build: str) -> dict[str, tuple[str, str]]:
    return {c["check"]: (c["outcome"], c["reason"]) for c in matrix["cells"] if c["build"] == build}


@pytest.mark.parametrize("build", ["upstream", "v4"])
def test_every_check_passes_with_real_kueue_and_fake_gpus(matrix: dict[str, Any], build: str) -> None:
    cells = outcomes(matrix, build)
    assert len(cells) == 13, sorted(cells)
    problems = {check: result for check, result in cells.items()
                if result[0] != ("skipped" if check in CAPABILITY_SKIPS else "passed")}
    # Kueue itself sometimes evicts a preempted Workload without stopping its pod (README, "what the checks found");
    # after three such tries the check is skipped with that reason, never passed or failed.
    preemption = problems.pop("test_kueue_preemption_of_admitted_step", None)
    assert preemption is None or (preemption[0] == "skipped" and "did not stop its pod" in preemption[1]), preemption
    assert problems == {}
    assert "unsupported by Kueue v" in cells["test_kueue_admits_as_a_unit"][1]
    assert "needs real GPUs" in cells["test_gpu_device_visible_to_step"][1]


def test_the_mutant_fails_what_needs_workflow_level_labels(matrix: dict[str, Any]) -> None:
    cells = outcomes(matrix, "mutant")
    assert set(cells) == set(MUTANT_CHECKS)
    outcome, reason = cells["test_kueue_gates_labelled_workflow"]
    assert outcome == "failed" and "created without the kueue.x-k8s.io/admission gate" in reason, reason
    assert cells["test_gpu_quota_gates_gpu_steps_while_cpu_steps_proceed"][0] == "failed"
    assert cells["test_kueue_per_template_queue"][0] == "passed", "template-level labels are not what the mutant drops"


def test_admission_latency_and_kueue_version_are_in_the_matrix(matrix: dict[str, Any]) -> None:
    assert matrix["versions"]["kueue"] == version("kueue")
    gating = [c for c in matrix["cells"]
              if c["check"] == "test_kueue_gates_labelled_workflow" and c["build"] != "mutant"]
    assert all(c["figures"]["kueue.admission_latency_seconds"] > 0 for c in gating), gating


def test_nothing_is_left_behind(matrix: dict[str, Any], local_cluster: Any) -> None:
    api = api_client(local_cluster)
    try:
        core = client.CoreV1Api(api)
        assert NAMESPACE not in [objects.name(n) for n in core.list_namespace().items]
        assert not [objects.name(n) for n in core.list_namespace(label_selector=ENABLED_LABEL).items]
        crds = client.ApiextensionsV1Api(api).list_custom_resource_definition().items
        assert not [objects.name(c) for c in crds if objects.name(c).endswith("kueue.x-k8s.io")]
        for node in core.list_node().items:
            assert gpus.GPU not in (objects.present(node.status, "status").capacity or {}), objects.name(node)
            assert gpus.FAKE_ANNOTATION not in (objects.meta(node).annotations or {})
    finally:
        api.close()
