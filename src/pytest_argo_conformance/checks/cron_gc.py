"""Helpers of the cron, suspend and garbage-collection checks: watch a CronWorkflow's runs, patch and delete
CronWorkflows, clear a workflow's spec.suspend, and find a workflow's pod by its node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.runner import WorkflowRunner
from pytest_argo_conformance.kube import objects, watch_until

Workflow = dict[str, Any]
CRON_LABEL = "workflows.argoproj.io/cron-workflow"
NODE_NAME_ANNOTATION = "workflows.argoproj.io/node-name"


def runs_of(runner: WorkflowRunner, cron: str) -> list[Workflow]:
    """The runs of the CronWorkflow that exist now, oldest first."""
    listed = wfapi.custom(runner.api).list_namespaced_custom_object(
        wfapi.GROUP, wfapi.VERSION, runner.namespace, "workflows", label_selector=f"{CRON_LABEL}={cron}")
    items: list[Workflow] = listed.get("items") or [] if isinstance(listed, dict) else []
    return sorted(items, key=created)


def watch_runs(runner: WorkflowRunner, cron: str, what: str, until: Callable[[list[Workflow]], bool],
               timeout: float, describe: Callable[[list[Workflow]], str] | None = None) -> list[Workflow]:
    """Watch the CronWorkflow's runs (those that exist at each moment, oldest first) until `until(runs)`; each run
    seen is remembered by the runner for the failure report."""

    def check(found: list[Workflow]) -> bool:
        runs = sorted(found, key=created)
        for run in runs:
            if run["metadata"]["name"] not in runner.submitted:
                runner.submitted.append(run["metadata"]["name"])
        return until(runs)

    found: list[Workflow] = watch_until(
        what, wfapi.custom(runner.api).list_namespaced_custom_object, wfapi.GROUP, wfapi.VERSION, runner.namespace,
        "workflows", until=check, timeout=timeout,
        describe=lambda runs: (describe or phases)(sorted(runs, key=created)), label_selector=f"{CRON_LABEL}={cron}")
    return sorted(found, key=created)


def created(wf: Workflow) -> str:
    return f"{wf['metadata'].get('creationTimestamp', '')}/{wf['metadata']['name']}"


def phases(runs: list[Workflow]) -> str:
    return ", ".join(f"{w['metadata']['name']}={wfapi.phase(w)}" for w in runs) or "no runs"


def patch_cron(runner: WorkflowRunner, cron: str, spec: dict[str, Any]) -> None:
    wfapi.custom(runner.api).patch_namespaced_custom_object(
        wfapi.GROUP, wfapi.VERSION, runner.namespace, "cronworkflows", cron, {"spec": spec})


def remove_cron(runner: WorkflowRunner, cron: str) -> None:
    """Suspend the CronWorkflow, then delete it (its runs go with it, by their owner reference)."""
    custom = wfapi.custom(runner.api)
    try:
        patch_cron(runner, cron, {"suspend": True})
        custom.delete_namespaced_custom_object(wfapi.GROUP, wfapi.VERSION, runner.namespace, "cronworkflows", cron,
                                               body=client.V1DeleteOptions(propagation_policy="Background"))
    except ApiException as exc:
        if exc.status != 404:
            raise


def clear_suspend(runner: WorkflowRunner, name: str) -> None:
    """Resume a workflow held by spec.suspend the way `argo resume` does: clear spec.suspend."""
    wfapi.custom(runner.api).patch_namespaced_custom_object(
        wfapi.GROUP, wfapi.VERSION, runner.namespace, "workflows", name, {"spec": {"suspend": None}})


def pods_by_node(runner: WorkflowRunner, name: str) -> dict[str, str]:
    """The workflow's pods that exist now: node name (`<workflow>[0].step`) -> pod name."""
    return _by_node(runner.pods(name))


def _by_node(pods: list[client.V1Pod]) -> dict[str, str]:
    return {str((objects.meta(pod).annotations or {}).get(NODE_NAME_ANNOTATION, "")): objects.name(pod)
            for pod in pods}


def watch_pod_gone(runner: WorkflowRunner, name: str, node: str, timeout: float) -> None:
    """Watch the workflow's pods until the pod of `node` (`<workflow>[0].step`) is gone; WaitTimeout names the pods
    still there."""
    watch_until(f"the pod of {node} to be deleted", client.CoreV1Api(runner.api).list_namespaced_pod,
                runner.namespace, until=lambda pods: node not in _by_node(pods), timeout=timeout,
                describe=lambda pods: f"pods left: {_by_node(pods)}",
                label_selector=f"workflows.argoproj.io/workflow={name}")
