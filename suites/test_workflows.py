"""The proof-of-concept workflows: steps, DAGs, loops, artifacts, retries, exit handlers, deadlines, suspend,
templates, cron and TTL. Each check asserts what can be observed: phases, the node tree, outputs and pod specs."""

from __future__ import annotations

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.kube import objects


def test_steps_artifacts(argo_workflows: WorkflowRunner) -> None:
    wf = argo_workflows.run(argo_workflows.load("steps-artifacts"))
    processor = shapes.node(wf, "processor")
    seen = shapes.output_parameter(processor, "seen")
    assert seen == f'{{"id": "{wf["metadata"]["name"]}", "kind": "activation"}}', f"processor saw {seen!r}"


def test_dag_fanout(argo_workflows: WorkflowRunner) -> None:
    wf = argo_workflows.run(argo_workflows.load("dag-fanout"), timeout=300)
    fan_out = shapes.children_named(wf, "fan-out(")
    again = shapes.children_named(wf, "fan-out-again(")
    assert len(fan_out) == 5, f"withParam over 5 items made {len(fan_out)} tasks"
    assert len(again) == 5, f"the filter kept {len(again)} of the 10 artifacts, expected the 5 .txt ones"
    assert all(n["inputs"]["parameters"][0]["value"].endswith(".txt") for n in again)
    peak = shapes.peak_concurrency(wf)
    assert peak <= 2, f"parallelism: 2 but {peak} pods ran at once"


def test_loops_nested(argo_workflows: WorkflowRunner) -> None:
    wf = argo_workflows.run(argo_workflows.load("loops-nested"))
    leaves = sorted(shapes.leaf_inputs(wf))
    assert leaves == ["a-1", "a-2", "b-1", "b-2", "c-1", "c-2", "x", "y"], leaves
    tree = shapes.tree_names(wf)
    assert "outer(0:a)" in tree and "outer(1:b)" in tree, tree
    assert "leaves(0:x)" in tree and "nested" in tree, tree
    # the parallel group: `leaves` and `nested` are siblings under the same step group
    assert shapes.parent_of(wf, "nested") == shapes.parent_of(wf, "leaves(0:x)")


def test_resources_copied_to_pods(argo_workflows: WorkflowRunner) -> None:
    name = argo_workflows.submit(argo_workflows.load("resources"))
    argo_workflows.wait_phase(name, "Succeeded")
    (pod,) = argo_workflows.pods(name)
    main = next(c for c in objects.pod_spec(pod).containers if c.name == "main")
    resources = objects.present(main.resources, "the main container's resources")
    assert resources.requests == {"cpu": "50m", "memory": "24Mi"}
    assert resources.limits == {"cpu": "200m", "memory": "48Mi"}


def test_retry_strategy(argo_workflows: WorkflowRunner) -> None:
    wf = argo_workflows.run(argo_workflows.load("steps-retry"))
    attempts = shapes.pod_nodes(wf)
    assert [n["phase"] for n in attempts] == ["Failed", "Succeeded"], shapes.tree_names(wf)


def test_exit_handler_sees_status(argo_workflows: WorkflowRunner) -> None:
    name = argo_workflows.submit(argo_workflows.load("exit-handler"))
    wf = argo_workflows.wait_phase(name, "Failed")
    handler = shapes.node(wf, f"{name}.onExit")
    assert handler["phase"] == "Succeeded"
    assert shapes.output_parameter(handler, "status") == "Failed"


def test_active_deadline(argo_workflows: WorkflowRunner) -> None:
    name = argo_workflows.submit(argo_workflows.load("deadline"))
    wf = argo_workflows.wait_phase(name, "Failed", timeout=60)
    assert "deadline" in wf["status"].get("message", "").lower(), wf["status"].get("message")
    started, finished = wfapi.times(wf)
    assert finished - started < 40, f"a 5 s deadline ended the workflow only after {finished - started:.0f}s"


def test_suspend_and_resume(argo_workflows: WorkflowRunner) -> None:
    name = argo_workflows.submit(argo_workflows.load("suspend"))
    argo_workflows.wait(name, shapes.suspended, "suspend at `approve`")
    assert not shapes.children_named(argo_workflows.get(name), "after"), "`after` ran before the resume"
    argo_workflows.resume(name)
    wf = argo_workflows.wait_phase(name, "Succeeded")
    assert shapes.node(wf, "after")["phase"] == "Succeeded"


def test_template_parameters_override_defaults(argo_workflows: WorkflowRunner) -> None:
    argo_workflows.create_template(argo_workflows.load("template-greeting"))
    wf = argo_workflows.run(argo_workflows.load("from-template"))
    (leaf,) = shapes.pod_nodes(wf)
    assert shapes.output_parameter(leaf, "message") == "overridden-by-workflow"


def test_cron_workflow_fires_and_keeps_history(argo_workflows: WorkflowRunner) -> None:
    cron = argo_workflows.create_cron(argo_workflows.load("cron-every-3s"))
    try:
        runs = argo_workflows.wait_cron_runs(cron, count=3, timeout=90)
        assert len(runs) >= 3, runs
        argo_workflows.wait_cron_history(cron, succeeded_at_most=1, timeout=30)
    finally:
        argo_workflows.suspend_cron(cron)


def test_ttl_strategy_deletes_workflow(argo_workflows: WorkflowRunner) -> None:
    name = argo_workflows.submit(argo_workflows.load("ttl"))
    argo_workflows.wait_phase(name, "Succeeded")
    argo_workflows.wait_deleted(name, timeout=60)
