"""Controller builds in their topologies: the smoke workflow, pod metadata, CRDs, two controllers, footprint."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import Installation, Recorder, WorkflowRunner
from pytest_argo_conformance.checks import controllers, crds
from pytest_argo_conformance.components.argo import lines
from pytest_argo_conformance.components.argo.build import upstream_source
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.kube import objects


@pytest.mark.conformance(id="workflows.smoke-succeeds", area="workflows")
def test_smoke_workflow_succeeds(argo_workflows: WorkflowRunner) -> None:
    """A one-step Workflow MUST run its single pod and end Succeeded."""
    wf = argo_workflows.run(argo_workflows.load("hello"))
    nodes = list(wf["status"]["nodes"].values())
    assert [n["phase"] for n in nodes if n["type"] == "Pod"] == ["Succeeded"]
    assert wf["status"]["phase"] == "Succeeded"


@pytest.mark.conformance(id="pod-spec.pod-metadata", area="pod-spec")
def test_pod_metadata_reaches_pods(argo_workflows: WorkflowRunner) -> None:
    """Labels and annotations of the workflow's spec.podMetadata and of a template's metadata MUST reach the pod it
    creates."""
    name = argo_workflows.submit(argo_workflows.load("pod-metadata"))
    argo_workflows.wait_phase(name, "Succeeded")
    (pod,) = argo_workflows.pods(name)
    labels, annotations = objects.meta(pod).labels or {}, objects.meta(pod).annotations or {}
    assert annotations.get("conformance.argoproj.io/workflow-annotation") == "from-workflow"
    assert labels.get("conformance.argoproj.io/template-label") == "from-template"
    assert labels.get("conformance.argoproj.io/workflow-label") == "from-workflow", (
        f"spec.podMetadata.labels did not reach pod {objects.name(pod)}; its labels: {sorted(labels)}"
    )


@pytest.mark.conformance(id="controllers.crd-schemas", area="controllers")
def test_crd_schemas_match_baseline(argo: Installation, argo_record: Recorder) -> None:
    """A build's CRDs MUST NOT differ in a breaking way from the CRDs of the upstream release of its own line.

    The build's CRDs against the upstream release of its own line: every difference is classified (breaking or
    additive) and listed; only breaking ones fail. Against the pinned baseline too, when that is another release."""
    built = controllers.builtin(argo)
    build = built.build
    ref = lines.reference(build)
    own = crds.compare(upstream_source(ref.release, build.name), built.artifacts.source_dir)
    argo_record.note(own.summary(ref.describe()))
    for line in own.listing():
        argo_record.note(line)
    baseline = version("argo-workflows")
    if ref.release != baseline:
        other = crds.compare(upstream_source(baseline, build.name), built.artifacts.source_dir)
        argo_record.note(other.summary(f"the baseline upstream {baseline} (informational)"))
        for line in other.listing():
            argo_record.note(line)
    assert not own.breaking, (
        f"{len(own.breaking)} breaking CRD difference(s) against {ref.describe()}:\n"
        + "\n".join(line for line in own.listing() if line.startswith("breaking"))
    )


@pytest.mark.argo_serial("a second controller watches the cell's namespace")
@pytest.mark.conformance(id="controllers.instance-ids", area="controllers")
def test_two_controllers_on_the_same_workflows(
    argo: Installation, argo_workflows: WorkflowRunner, argo_record: Recorder
) -> None:
    """Two controllers MUST each reconcile only the workflows of their own instanceID, and without instance ids both
    MUST be seen reconciling the same workflow."""
    if not argo.topology.namespaced:
        pytest.skip("needs a namespaced controller beside the global one (native-namespaced, namespaced-copy)")
    outcome = controllers.two_controllers(controllers.builtin(argo), argo_workflows)
    argo_record.note(outcome.summary)
    assert outcome.double_reconciliation_detected, outcome.summary
    assert outcome.instance_ids_separate, outcome.summary


@pytest.mark.argo_serial("measures the controller's CPU and memory")
@pytest.mark.conformance(id="controllers.footprint", area="controllers")
def test_controller_footprint(argo: Installation, argo_record: Recorder) -> None:
    """The controller MUST run and report a measurable memory footprint (its CPU and memory are recorded as figures)."""
    figures = controllers.footprint(controllers.builtin(argo))
    for name, value in figures.items():
        argo_record.figure(name, value)
    assert figures["controller.memory_mib"] > 0, f"no memory usage measured for the controller: {figures}"
