"""The proof-of-concept workflows: steps, DAGs, loops, artifacts, retries, exit handlers, deadlines, suspend,
templates, cron and TTL. Each check asserts what can be observed: phases, the node tree, outputs and pod specs."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.kube import objects


@pytest.mark.conformance(id="artifacts.steps-pass-artifacts", area="artifacts")
def test_steps_artifacts(argo_workflows: WorkflowRunner) -> None:
    """An output artifact of a step MUST reach a later step's input through the artifact repository, and its output
    parameter MUST carry the content seen."""
    wf = argo_workflows.run(argo_workflows.load("steps-artifacts"))
    processor = shapes.node(wf, "processor")
    seen = shapes.output_parameter(processor, "seen")
    assert seen == f'{{"id": "{wf["metadata"]["name"]}", "kind": "activation"}}', f"processor saw {seen!r}"


@pytest.mark.argo_serial("measures concurrency")
@pytest.mark.conformance(id="parallelism.dag-fanout", area="parallelism")
def test_dag_fanout(argo_workflows: WorkflowRunner) -> None:
    """A DAG MUST fan out one task per withParam item, filter artifacts with an expression, and run at most its
    template's parallelism of pods at once."""
    wf = argo_workflows.run(argo_workflows.load("dag-fanout"), timeout=300)
    fan_out = shapes.children_named(wf, "fan-out(")
    again = shapes.children_named(wf, "fan-out-again(")
    assert len(fan_out) == 5, f"withParam over 5 items made {len(fan_out)} tasks"
    assert len(again) == 5, f"the filter kept {len(again)} of the 10 artifacts, expected the 5 .txt ones"
    assert all(n["inputs"]["parameters"][0]["value"].endswith(".txt") for n in again)
    peak = shapes.peak_concurrency(wf)
    assert peak <= 2, f"parallelism: 2 but {peak} pods ran at once"


@pytest.mark.conformance(id="control-flow.nested-loops", area="control-flow")
def test_loops_nested(argo_workflows: WorkflowRunner) -> None:
    """Nested withItems loops and a parallel step group MUST produce the expected leaves and node tree names."""
    wf = argo_workflows.run(argo_workflows.load("loops-nested"))
    leaves = sorted(shapes.leaf_inputs(wf))
    assert leaves == ["a-1", "a-2", "b-1", "b-2", "c-1", "c-2", "x", "y"], leaves
    tree = shapes.tree_names(wf)
    assert "outer(0:a)" in tree and "outer(1:b)" in tree, tree
    assert "leaves(0:x)" in tree and "nested" in tree, tree
    # the parallel group: `leaves` and `nested` are siblings under the same step group
    assert shapes.parent_of(wf, "nested") == shapes.parent_of(wf, "leaves(0:x)")


@pytest.mark.conformance(id="pod-spec.resources", area="pod-spec")
def test_resources_copied_to_pods(argo_workflows: WorkflowRunner) -> None:
    """A template's container resources MUST reach the pod's main container verbatim."""
    name = argo_workflows.submit(argo_workflows.load("resources"))
    argo_workflows.wait_phase(name, "Succeeded")
    (pod,) = argo_workflows.pods(name)
    main = next(c for c in objects.pod_spec(pod).containers if c.name == "main")
    resources = objects.present(main.resources, "the main container's resources")
    assert resources.requests == {"cpu": "50m", "memory": "24Mi"}
    assert resources.limits == {"cpu": "200m", "memory": "48Mi"}


@pytest.mark.conformance(id="retries.retry-succeeds", area="retries")
def test_retry_strategy(argo_workflows: WorkflowRunner) -> None:
    """A step that fails once under a retryStrategy MUST be retried and the workflow MUST succeed with one failed and
    one succeeded attempt."""
    wf = argo_workflows.run(argo_workflows.load("steps-retry"))
    attempts = shapes.pod_nodes(wf)
    assert [n["phase"] for n in attempts] == ["Failed", "Succeeded"], shapes.tree_names(wf)


@pytest.mark.conformance(id="exit-hooks.on-exit-after-failure", area="exit-hooks")
def test_exit_handler_sees_status(argo_workflows: WorkflowRunner) -> None:
    """The workflow's onExit handler MUST run after the main template failed and MUST see the status Failed."""
    name = argo_workflows.submit(argo_workflows.load("exit-handler"))
    wf = argo_workflows.wait_phase(name, "Failed")
    handler = shapes.node(wf, f"{name}.onExit")
    assert handler["phase"] == "Succeeded"
    assert shapes.output_parameter(handler, "status") == "Failed"


@pytest.mark.conformance(id="deadlines.workflow-deadline", area="deadlines")
def test_active_deadline(argo_workflows: WorkflowRunner) -> None:
    """A workflow's activeDeadlineSeconds MUST end it as Failed with a deadline message soon after the deadline."""
    name = argo_workflows.submit(argo_workflows.load("deadline"))
    wf = argo_workflows.wait_phase(name, "Failed", timeout=60)
    assert "deadline" in wf["status"].get("message", "").lower(), wf["status"].get("message")
    started, finished = wfapi.times(wf)
    assert finished - started < 40, f"a 5 s deadline ended the workflow only after {finished - started:.0f}s"


@pytest.mark.conformance(id="suspend.suspend-and-resume", area="suspend")
def test_suspend_and_resume(argo_workflows: WorkflowRunner) -> None:
    """A suspend template MUST hold the workflow until it is resumed, and the steps after it MUST run only after the
    resume."""
    name = argo_workflows.submit(argo_workflows.load("suspend"))
    argo_workflows.wait(name, shapes.suspended, "suspend at `approve`")
    assert not shapes.children_named(argo_workflows.get(name), "after"), "`after` ran before the resume"
    argo_workflows.resume(name)
    wf = argo_workflows.wait_phase(name, "Succeeded")
    assert shapes.node(wf, "after")["phase"] == "Succeeded"


@pytest.mark.conformance(id="templates.arguments-override-defaults", area="templates")
def test_template_parameters_override_defaults(argo_workflows: WorkflowRunner) -> None:
    """A workflow's arguments MUST override the default parameters of the WorkflowTemplate it references."""
    argo_workflows.create_template(argo_workflows.load("template-greeting"))
    wf = argo_workflows.run(argo_workflows.load("from-template"))
    (leaf,) = shapes.pod_nodes(wf)
    assert shapes.output_parameter(leaf, "message") == "overridden-by-workflow"


@pytest.mark.conformance(id="cron.fires-and-keeps-history", area="cron")
def test_cron_workflow_fires_and_keeps_history(argo_workflows: WorkflowRunner) -> None:
    """A CronWorkflow MUST fire on its schedule and keep no more succeeded runs than successfulJobsHistoryLimit."""
    cron = argo_workflows.create_cron(argo_workflows.load("cron-every-3s"))
    try:
        runs = argo_workflows.wait_cron_runs(cron, count=3, timeout=90)
        assert len(runs) >= 3, runs
        argo_workflows.wait_cron_history(cron, succeeded_at_most=1, timeout=30)
    finally:
        argo_workflows.suspend_cron(cron)


@pytest.mark.conformance(id="gc.ttl-after-success", area="gc")
def test_ttl_strategy_deletes_workflow(argo_workflows: WorkflowRunner) -> None:
    """A workflow's ttlStrategy MUST delete it after it succeeded."""
    name = argo_workflows.submit(argo_workflows.load("ttl"))
    argo_workflows.wait_phase(name, "Succeeded")
    argo_workflows.wait_deleted(name, timeout=60)
