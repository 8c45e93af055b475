"""Controller builds in their topologies: the smoke workflow, pod metadata, CRDs, two controllers, footprint."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.checks import controllers, crds


def test_smoke_workflow_succeeds(argo_workflows: Any) -> None:
    wf = argo_workflows.run(argo_workflows.load("hello"))
    nodes = list(wf["status"]["nodes"].values())
    assert [n["phase"] for n in nodes if n["type"] == "Pod"] == ["Succeeded"]
    assert wf["status"]["phase"] == "Succeeded"


def test_pod_metadata_reaches_pods(argo_workflows: Any) -> None:
    name = argo_workflows.submit(argo_workflows.load("pod-metadata"))
    argo_workflows.wait_phase(name, "Succeeded")
    (pod,) = argo_workflows.pods(name)
    labels, annotations = pod.metadata.labels, pod.metadata.annotations
    assert annotations.get("conformance.argoproj.io/workflow-annotation") == "from-workflow"
    assert labels.get("conformance.argoproj.io/template-label") == "from-template"
    assert labels.get("conformance.argoproj.io/workflow-label") == "from-workflow", (
        f"spec.podMetadata.labels did not reach pod {pod.metadata.name}; its labels: {sorted(labels)}"
    )


def test_crd_schemas_match_baseline(argo: Any, argo_record: Any) -> None:
    report = crds.compare(argo.baseline_source, argo.artifacts.source_dir)
    for note in report.notes:
        argo_record.note(note)
    assert not report.differences, "CRD schema differs from the baseline's:\n" + "\n".join(report.differences)


def test_two_controllers_on_the_same_workflows(argo: Any, argo_workflows: Any, argo_record: Any) -> None:
    if not argo.topology.namespaced:
        pytest.skip("needs a namespaced controller beside the global one (native-namespaced, namespaced-copy)")
    outcome = controllers.two_controllers(argo, argo_workflows)
    argo_record.note(outcome.summary)
    assert outcome.double_reconciliation_detected, outcome.summary
    assert outcome.instance_ids_separate, outcome.summary


def test_controller_footprint(argo: Any, argo_record: Any) -> None:
    figures = controllers.footprint(argo)
    for name, value in figures.items():
        argo_record.figure(name, value)
    assert figures["controller.memory_mib"] > 0, f"no memory usage measured for the controller: {figures}"
