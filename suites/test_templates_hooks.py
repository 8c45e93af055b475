"""Templates by reference (templateRef with clusterScope, workflowTemplateRef argument merging), exit handlers
(workflow onExit after success, a step's own onExit) and lifecycle hooks guarded by expressions. Each check asserts
what can be observed: the node tree, the phases and the outputs the templates wrote."""

from __future__ import annotations

import time

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.checks import templates_hooks as th
from pytest_argo_conformance.components.argo.workflows import timestamp


@pytest.mark.conformance(id="templates.cluster-scope-template-ref", area="templates")
def test_cluster_scope_template_ref(argo_workflows: WorkflowRunner) -> None:
    """A templateRef with clusterScope: true MUST run the ClusterWorkflowTemplate's template, not the namespace's
    WorkflowTemplate of the same name."""
    if argo_workflows.installation.topology.namespaced:
        pytest.skip("a namespaced controller does not read cluster-scoped ClusterWorkflowTemplates")
    name = f"ref-scope-{argo_workflows.namespace}"[:63].rstrip("-")
    shadow = argo_workflows.load("ref-scope-namespaced")
    shadow["metadata"]["name"] = name
    argo_workflows.create_template(shadow)
    user = argo_workflows.load("ref-scope-user")
    user["spec"]["templates"][0]["steps"][0][0]["templateRef"]["name"] = name
    with th.cluster_template(argo_workflows, argo_workflows.load("ref-scope-cluster"), name):
        time.sleep(1)  # let the controller's ClusterWorkflowTemplate informer see it
        wf = argo_workflows.run(user)
    origin = shapes.output_parameter(th.step(wf, "say"), "origin")
    assert origin == "from-cluster-template", (
        f"templateRef {name}/say with clusterScope: true: expected the ClusterWorkflowTemplate's template "
        f"(origin from-cluster-template), saw origin {origin!r}")


@pytest.mark.conformance(id="templates.workflow-template-ref-merges-arguments", area="templates")
def test_workflow_template_ref_merges_arguments(argo_workflows: WorkflowRunner) -> None:
    """A workflow that overrides one parameter of the WorkflowTemplate it references MUST keep the template's
    defaults for the parameters it does not give."""
    argo_workflows.create_template(argo_workflows.load("ref-args-template"))
    wf = argo_workflows.run(argo_workflows.load("ref-args-user"))
    (leaf,) = shapes.pod_nodes(wf)
    message = shapes.output_parameter(leaf, "message")
    assert message == "hello-from-template overridden-name", (
        "workflowTemplateRef ref-args with only `name` overridden: expected greeting from the template's default "
        f"and the workflow's name ('hello-from-template overridden-name'), saw {message!r}")


@pytest.mark.conformance(id="exit-hooks.on-exit-after-success", area="exit-hooks")
def test_on_exit_after_success(argo_workflows: WorkflowRunner) -> None:
    """The workflow's onExit handler MUST also run when the workflow succeeded, after its main template, and MUST
    see the status Succeeded."""
    name = argo_workflows.submit(argo_workflows.load("ref-onexit-success"))
    wf = argo_workflows.wait_phase(name, "Succeeded")
    handlers = th.nodes_ending(wf, f"{name}.onExit")
    assert handlers, f"onExit: report: expected a node {name}.onExit after the workflow succeeded: {th.describe(wf)}"
    (handler,) = handlers
    assert handler["phase"] == "Succeeded", f"the onExit handler ended {handler['phase']}"
    status = shapes.output_parameter(handler, "status")
    assert status == "Succeeded", f"the onExit handler saw {{{{workflow.status}}}} = {status!r}, expected Succeeded"
    main = shapes.node(wf, name)
    assert timestamp(handler["startedAt"]) >= timestamp(main["finishedAt"]), (
        f"the onExit handler started at {handler['startedAt']}, before the main template finished at "
        f"{main['finishedAt']}")


@pytest.mark.conformance(id="exit-hooks.step-on-exit-after-success", area="exit-hooks")
def test_step_on_exit_after_success(argo_workflows: WorkflowRunner) -> None:
    """A step's own onExit template MUST run after the step succeeded, and the step group MUST wait for it."""
    wf = argo_workflows.run(argo_workflows.load("ref-step-onexit"))
    handlers = th.nodes_ending(wf, ".work.onExit")
    assert handlers, f"steps[work].onExit: tidy: expected a node <...>.work.onExit, saw {th.describe(wf)}"
    (handler,) = handlers
    assert handler["phase"] == "Succeeded", f"the step's onExit handler ended {handler['phase']}"
    assert shapes.output_parameter(handler, "done") == "tidied"
    work = th.step(wf, "work")
    assert timestamp(handler["startedAt"]) >= timestamp(work["finishedAt"]), (
        f"the step's onExit started at {handler['startedAt']}, before the step finished at {work['finishedAt']}")
    group = th.node_by_id(wf, shapes.parent_of(wf, "work"))
    assert timestamp(group["finishedAt"]) >= timestamp(handler["finishedAt"]), (
        f"the step group finished at {group['finishedAt']}, before the step's onExit at {handler['finishedAt']}")


@pytest.mark.conformance(id="exit-hooks.hook-expression-guards", area="exit-hooks")
def test_hook_expression_guards(argo_workflows: WorkflowRunner) -> None:
    """A step's lifecycle hook MUST run only when its expression is true: after a succeeded step, the hook on
    `status == "Succeeded"` runs and the hook on `status == "Failed"` does not."""
    wf = argo_workflows.run(argo_workflows.load("ref-hook-expression"))
    ran = th.nodes_ending(wf, ".work.hooks.on-success")
    wrong = th.nodes_ending(wf, ".work.hooks.on-failure")
    assert ran, f"hook on-success (steps.work.status == Succeeded) did not run: {th.describe(wf)}"
    assert ran[0]["phase"] == "Succeeded", f"hook on-success ended {ran[0]['phase']}"
    assert not wrong, (
        "hook on-failure (expression steps.work.status == Failed) ran although `work` succeeded: "
        + ", ".join(f"{n['name']}={n.get('phase')}" for n in wrong))
