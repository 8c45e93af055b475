"""What reaches a workflow's pods, and the Argo Server's list and terminate calls, for the pod-spec and server
checks: run a one-pod workflow to its end and read its pod, the nodes' architecture, a REST list with selectors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from kubernetes import client

from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.rest import ArgoRest
from pytest_argo_conformance.components.argo.runner import WorkflowRunner
from pytest_argo_conformance.components.argo.server import base_url, client_token
from pytest_argo_conformance.kube import objects

Workflow = dict[str, Any]


def run_to_end(runner: WorkflowRunner, manifest: Workflow, timeout: float = 120) -> tuple[Workflow, client.V1Pod]:
    """Submit a one-pod workflow, wait until it ends (in any phase) and return it with its only pod."""
    name = runner.submit(manifest)
    wf = runner.wait_finished(name, timeout)
    pods = runner.pods(name)
    assert len(pods) == 1, f"workflow {name}: expected one pod, found {[objects.name(p) for p in pods]}"
    return wf, pods[0]


def container(pod: client.V1Pod, name: str = "main") -> client.V1Container:
    for c in objects.pod_spec(pod).containers:
        if c.name == name:
            return c
    raise AssertionError(f"pod {objects.name(pod)} has no container {name!r}: "
                         f"{[c.name for c in objects.pod_spec(pod).containers]}")


def env_of(c: client.V1Container) -> dict[str, str]:
    return {e.name: e.value for e in c.env or [] if e.value is not None}


def node_arch(runner: WorkflowRunner) -> str:
    """The kubernetes.io/arch of the cluster's nodes (the first node's; a check's pod must fit any node)."""
    nodes = client.CoreV1Api(runner.api).list_node().items
    arches = {(objects.meta(n).labels or {}).get("kubernetes.io/arch", "") for n in nodes}
    arches.discard("")
    assert len(arches) == 1, f"expected nodes of one kubernetes.io/arch, saw {sorted(arches) or 'none'}"
    return arches.pop()


def terminate(runner: WorkflowRunner, name: str) -> None:
    """Set spec.shutdown=Terminate through the Kubernetes API (to tidy up workflows left waiting)."""
    wfapi.custom(runner.api).patch_namespaced_custom_object(
        wfapi.GROUP, wfapi.VERSION, runner.namespace, "workflows", name, {"spec": {"shutdown": "Terminate"}})


def rest_list(rest: Any, namespace: str, label_selector: str = "", field_selector: str = "") -> list[str]:
    """Names of the workflows the Argo Server lists in `namespace` for the selectors."""
    query: dict[str, str] = {"fields": "items.metadata.name"}
    if label_selector:
        query["listOptions.labelSelector"] = label_selector
    if field_selector:
        query["listOptions.fieldSelector"] = field_selector
    items = rest.call("GET", f"/api/v1/workflows/{namespace}?{urlencode(query)}").get("items") or []
    return sorted(str(w["metadata"]["name"]) for w in items)


def rest_list_until(rest: Any, namespace: str, wanted: str, timeout: float = 30, **selectors: str) -> list[str]:
    """The server's list for the selectors, polled until it shows `wanted` (the server may list from a cache)."""
    deadline = time.monotonic() + timeout
    while True:
        names = rest_list(rest, namespace, **selectors)
        if wanted in names or time.monotonic() > deadline:
            return names
        time.sleep(1)


RETRY_SA = "argo-conformance-retry"


@contextmanager
def retry_rest(runner: WorkflowRunner) -> Iterator[ArgoRest]:
    """An Argo Server REST client whose token may also delete pods in the workflow namespace, as a retry through
    the server does (with --auth-mode=client the server deletes the failed steps' pods with the caller's token)."""
    inst = runner.installation
    rules = [
        {"apiGroups": ["argoproj.io"], "resources": ["workflows"],
         "verbs": ["get", "list", "watch", "create", "update", "patch"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "delete"]},
    ]
    token = client_token(inst, RETRY_SA, rules)
    with base_url(inst) as url, ArgoRest(url, token) as rest:
        yield rest
