"""Parallelism limits (workflow `spec.parallelism`, a template's `parallelism`) at their exact boundary, and
template-level deadlines (`activeDeadlineSeconds`, `timeout`) without a workflow deadline."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import io, shapes
from pytest_argo_conformance.components.argo import workflows as wfapi


def _intervals(wf: io.Workflow) -> str:
    pods = shapes.pod_nodes(wf)
    return ", ".join(f"{n.get('displayName')} {n.get('startedAt')}..{n.get('finishedAt')}" for n in pods)


@pytest.mark.argo_serial("measures concurrency")
@pytest.mark.conformance(id="parallelism.workflow-limit-exact", area="parallelism")
def test_workflow_parallelism_exact_limit(argo_workflows: WorkflowRunner) -> None:
    """A workflow's spec.parallelism N MUST let at most N pods run at once."""
    wf = argo_workflows.run(argo_workflows.load("io-wf-parallelism"), timeout=180)
    pods = shapes.pod_nodes(wf)
    assert len(pods) == 3, f"withItems over 3 items should run 3 pods, ran {len(pods)}"
    peak = shapes.peak_concurrency(wf)
    assert peak <= 2, f"spec.parallelism 2: expected at most 2 pods at once, saw {peak}: {_intervals(wf)}"


@pytest.mark.argo_serial("measures concurrency")
@pytest.mark.conformance(id="parallelism.template-limit-exact", area="parallelism")
def test_template_parallelism_exact_limit(argo_workflows: WorkflowRunner) -> None:
    """A steps template's parallelism N MUST let at most N of its children run at once."""
    wf = argo_workflows.run(argo_workflows.load("io-tmpl-parallelism"), timeout=180)
    pods = shapes.pod_nodes(wf)
    assert len(pods) == 2, f"withItems over 2 items should run 2 pods, ran {len(pods)}"
    peak = shapes.peak_concurrency(wf)
    assert peak <= 1, f"template parallelism 1: expected its steps one at a time, saw {peak} at once: {_intervals(wf)}"


def _stopped_early(argo_workflows: WorkflowRunner, manifest: str, what: str) -> None:
    wf = argo_workflows.wait_finished(argo_workflows.submit(argo_workflows.load(manifest)), timeout=120)
    slow = shapes.node(wf, "slow")
    started, finished = wfapi.timestamp(slow["startedAt"]), wfapi.timestamp(slow["finishedAt"])
    assert slow["phase"] == "Failed", (f"{what} 5 s on a 40 s step: expected the step Failed, it ended "
                                       f"{slow['phase']} after {finished - started:.0f}s; {io.describe(wf)}")
    assert finished - started < 30, f"{what} 5 s: the step was stopped only after {finished - started:.0f}s"
    assert wfapi.phase(wf) == "Failed", f"the workflow should fail with its step: {io.describe(wf)}"


@pytest.mark.conformance(id="deadlines.template-active-deadline", area="deadlines")
def test_template_active_deadline_stops_step(argo_workflows: WorkflowRunner) -> None:
    """A template's activeDeadlineSeconds MUST fail its step once it has run that long."""
    _stopped_early(argo_workflows, "io-tmpl-deadline", "template activeDeadlineSeconds")


@pytest.mark.conformance(id="deadlines.template-timeout", area="deadlines")
def test_template_timeout_stops_step(argo_workflows: WorkflowRunner) -> None:
    """A container template's `timeout` MUST fail its step once it has run that long."""
    _stopped_early(argo_workflows, "io-tmpl-timeout", "template timeout")
