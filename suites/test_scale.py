"""The scale lane: many workflows through one controller, their pods on KWOK's simulated nodes.

Collected only with `--argo-scale-workflows N` (`argo-conformance scale` sets it). Each build's controller gets the
same workflows with the same settings, one build after another; its figures go into the matrix (`scale.*`), its
completed-over-time series into the plot, and the gate compares it with its reference build from the same run.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_argo_conformance.api import Installation, Recorder, WorkflowRunner
from pytest_argo_conformance.checks import controllers
from pytest_argo_conformance.plugin.scale_fixtures import Reference
from pytest_argo_conformance.scale import gate, lane, workload
from pytest_argo_conformance.scale.lane import SimulatedNodes
from pytest_argo_conformance.scale.settings import ScaleSettings

pytestmark = [pytest.mark.argo_scale, pytest.mark.argo_serial("the scale lane measures one controller alone")]


@pytest.mark.conformance(id="scale.throughput-within-tolerance", area="scale")
def test_scale_throughput(
    argo: Installation,
    argo_workflows: WorkflowRunner,
    argo_record: Recorder,
    argo_scale: ScaleSettings,
    argo_simulated_nodes: SimulatedNodes,
    argo_scale_reference: Callable[[dict[str, float]], Reference],
) -> None:
    """A build MUST run every workflow of the scale lane to success, and its throughput and p95 submit-to-end
    latency MUST NOT be worse than its reference build's, in the same run with the same settings, by more than
    --argo-scale-tolerance percent.

    The workflows are the PoC's steps and DAG shapes (suites/manifests/workflows/scale-*.yaml), submitted through the
    API in bursts; their pods run on simulated nodes and end after --argo-scale-pod-seconds."""
    inst = controllers.builtin(argo)
    manifests = [argo_workflows.load(shape) for shape in argo_scale.shapes]
    for shape, manifest in zip(argo_scale.shapes, manifests, strict=True):
        reason = workload.unsuitable(manifest)
        if reason:
            pytest.fail(f"{shape}.yaml cannot run on simulated nodes: {reason}", pytrace=False)
    run_id = argo_simulated_nodes.run_id
    bodies = [argo_workflows.prepared(workload.prepared(manifests[i % len(manifests)], run_id, argo_scale.pods,
                                                        argo_scale.pod_seconds))
              for i in range(argo_scale.workflows)]
    try:
        result = lane.run(argo_workflows.api, argo.namespace, inst.under_test, bodies, argo_scale, run_id,
                          argo_simulated_nodes.kwok)
    finally:
        argo_record.note(f"scale: clean-up: {lane.clean_up(argo_workflows.api, argo.namespace, run_id)}")
    for name, value in result.figures.items():
        argo_record.figure(name, value)
    argo_record.series("scale.completed", result.completed)
    argo_record.series("scale.queue_depth", result.queue)
    for note in result.notes:
        argo_record.note(note)
    reference_build, reference = argo_scale_reference(result.figures)
    phases = result.observed.phases()
    assert phases.get("Succeeded", 0) == argo_scale.workflows, (
        f"{argo_scale.workflows - phases.get('Succeeded', 0)} of {argo_scale.workflows} workflows did not succeed "
        f"under load: {phases}")
    if reference_build and reference is None:
        argo_record.note(f"scale: the scale figures of {reference_build}, which this build is judged against, were "
                         "not seen earlier in this run: no gate")
        return
    verdicts = gate.compare(result.figures, reference or {}, argo_scale.tolerance)
    for verdict in verdicts:
        argo_record.note(f"scale gate: {verdict.line(reference_build)}")
    failing = [v.line(reference_build) for v in verdicts if v.fails]
    assert not failing, "scale gate: " + "; ".join(failing)
