"""What a workflow's spec and templates put on its pods: template annotations, podSpecPatch at both levels, the
workflow's securityContext, a template's serviceAccountName and nodeSelector. One small pod per check."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pytest_argo_conformance.api import WorkflowRunner
from pytest_argo_conformance.checks import pod_spec
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.kube import objects

PREFIX = "conformance.argoproj.io/"


@pytest.mark.conformance(id="pod-spec.template-annotations", area="pod-spec")
def test_template_annotations_reach_pod(argo_workflows: WorkflowRunner, argo_behaviour: Callable[[str], str | None]
                                       ) -> None:
    """A template's metadata.annotations and the workflow's spec.podMetadata annotations MUST both reach its pod, and
    for a key set in both the pod MUST get the value the upstream release of the build's line gives it.

    (v3.7 gives the template's value, v4.0 the workflow's: a difference of the lines, not a defect of a build.)"""
    _, pod = pod_spec.run_to_end(argo_workflows, argo_workflows.load("pods-annotations"))
    seen = {k.removeprefix(PREFIX): v for k, v in (objects.meta(pod).annotations or {}).items() if k.startswith(PREFIX)}
    wanted = {"template-only": "from-template", "workflow-only": "from-workflow"}
    assert {k: seen.get(k) for k in wanted} == wanted, (
        f"pod annotations {PREFIX}*: expected {wanted} (a template's metadata.annotations and spec.podMetadata's), "
        f"saw {seen}")
    behaviour = f"for a key set in both, the pod gets {seen.get('shared')}"
    reference = argo_behaviour(behaviour)
    assert reference is None or behaviour == reference, (
        f"the build it is judged against: {reference}; this build: {behaviour}")


@pytest.mark.conformance(id="pod-spec.pod-spec-patch-both-levels", area="pod-spec")
def test_workflow_and_template_pod_spec_patch(argo_workflows: WorkflowRunner) -> None:
    """The workflow's spec.podSpecPatch and the template's podSpecPatch MUST both be applied to the pod, the
    template's last."""
    _, pod = pod_spec.run_to_end(argo_workflows, argo_workflows.load("pods-podspecpatch"))
    grace = objects.pod_spec(pod).termination_grace_period_seconds
    assert grace == 7, ("spec.podSpecPatch sets terminationGracePeriodSeconds: 7; the pod has "
                        f"{grace} (the workflow-level patch was not applied)")
    env = {k: v for k, v in pod_spec.env_of(pod_spec.container(pod)).items() if k.startswith("CONFORMANCE_")}
    wanted = {"CONFORMANCE_PATCH": "from-template", "CONFORMANCE_WORKFLOW_PATCH": "yes"}
    assert env == wanted, (f"main container env from the two podSpecPatches: expected {wanted} (workflow patch, then "
                           f"template patch), saw {env}")


@pytest.mark.conformance(id="pod-spec.workflow-security-context", area="pod-spec")
def test_workflow_security_context_reaches_pod(argo_workflows: WorkflowRunner) -> None:
    """The workflow's spec.securityContext MUST become the pod's securityContext when the template sets none."""
    wf, pod = pod_spec.run_to_end(argo_workflows, argo_workflows.load("pods-security-context"))
    sc = objects.pod_spec(pod).security_context
    seen = (sc.run_as_user, sc.run_as_non_root) if sc else None
    assert seen == (8737, True), ("spec.securityContext {runAsUser: 8737, runAsNonRoot: true}: the pod's "
                                  f"securityContext has (runAsUser, runAsNonRoot) = {seen}")
    assert wfapi.phase(wf) == "Succeeded", (f"the step checks that it runs as uid 8737; the workflow ended "
                                            f"{wfapi.phase(wf)}: {wf['status'].get('message', '')}")


@pytest.mark.conformance(id="pod-spec.template-service-account", area="pod-spec")
def test_template_service_account_wins(argo_workflows: WorkflowRunner) -> None:
    """A template's serviceAccountName MUST be its pod's service account, over the workflow's
    spec.serviceAccountName."""
    manifest = argo_workflows.load("pods-service-account")
    wanted = argo_workflows.installation.workflow_service_account
    manifest["spec"]["templates"][0]["serviceAccountName"] = wanted
    wf, pod = pod_spec.run_to_end(argo_workflows, manifest)
    seen = objects.pod_spec(pod).service_account_name
    assert seen == wanted, (f"template serviceAccountName {wanted!r} (workflow's: 'default'): the pod runs as "
                            f"{seen!r}")
    assert wfapi.phase(wf) == "Succeeded", f"the workflow ended {wfapi.phase(wf)}: {wf['status'].get('message', '')}"


@pytest.mark.conformance(id="pod-spec.template-node-selector-replaces", area="pod-spec")
def test_template_node_selector_replaces_workflow_one(argo_workflows: WorkflowRunner) -> None:
    """A template's nodeSelector MUST replace the workflow's spec.nodeSelector on its pod, not be merged with it."""
    manifest = argo_workflows.load("pods-node-selector")
    wanted = {"kubernetes.io/arch": pod_spec.node_arch(argo_workflows)}
    manifest["spec"]["templates"][0]["nodeSelector"] = wanted
    wf, pod = pod_spec.run_to_end(argo_workflows, manifest)
    seen = objects.pod_spec(pod).node_selector
    assert seen == wanted, (f"template nodeSelector {wanted} with workflow nodeSelector {{'kubernetes.io/os': "
                            f"'linux'}}: expected the template's alone on the pod, saw {seen}")
    assert wfapi.phase(wf) == "Succeeded", f"the workflow ended {wfapi.phase(wf)}: {wf['status'].get('message', '')}"


@pytest.mark.conformance(id="pod-spec.host-aliases-both-levels", area="pod-spec")
def test_workflow_and_template_host_aliases(argo_workflows: WorkflowRunner) -> None:
    """The workflow's spec.hostAliases and the template's hostAliases MUST both reach the pod."""
    wf, pod = pod_spec.run_to_end(argo_workflows, argo_workflows.load("pods-hostaliases"))
    seen = sorted((a.ip, tuple(a.hostnames or [])) for a in objects.pod_spec(pod).host_aliases or [])
    wanted = [("10.11.12.13", ("from-workflow.conformance.invalid",)),
              ("10.11.12.14", ("from-template.conformance.invalid",))]
    assert seen == wanted, f"pod hostAliases: expected the workflow's and the template's {wanted}, saw {seen}"
    assert wfapi.phase(wf) == "Succeeded", (f"the step looks both names up in /etc/hosts; the workflow ended "
                                            f"{wfapi.phase(wf)}: {wf['status'].get('message', '')}")
