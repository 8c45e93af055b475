"""Workflows through the Kubernetes API: submit, watch until a named condition, and show the node tree."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance import kube
from pytest_argo_conformance.kube import objects

GROUP, VERSION = "argoproj.io", "v1alpha1"
TERMINAL = ("Succeeded", "Failed", "Error")
Workflow = dict[str, Any]


class WorkflowWaitError(AssertionError):
    """A workflow ended in a phase that makes the awaited condition impossible, or the wait timed out."""

    def __init__(self, message: str, workflow: Workflow | None) -> None:
        super().__init__(message)
        self.workflow = workflow


def custom(api: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api)


def create(api: client.ApiClient, namespace: str, manifest: Workflow, plural: str = "workflows") -> Workflow:
    body = dict(manifest)
    body.setdefault("metadata", {})
    return objects.custom_object(custom(api).create_namespaced_custom_object(GROUP, VERSION, namespace, plural, body))


def get(api: client.ApiClient, namespace: str, name: str, plural: str = "workflows") -> Workflow:
    return objects.custom_object(custom(api).get_namespaced_custom_object(GROUP, VERSION, namespace, plural, name))


def phase(wf: Workflow) -> str:
    return str(wf.get("status", {}).get("phase") or "Pending")


def finished(wf: Workflow) -> bool:
    """The workflow has ended: a final phase, with its finishedAt written."""
    return phase(wf) in TERMINAL and bool(wf.get("status", {}).get("finishedAt"))


def progress_line(wf: Workflow) -> str:
    nodes = wf.get("status", {}).get("nodes", {}) or {}
    pods = [n for n in nodes.values() if n.get("type") == "Pod"]
    done = [n for n in pods if n.get("phase") in TERMINAL + ("Skipped", "Omitted")]
    return f"workflow {wf['metadata']['name']}: {phase(wf)}, pods {len(done)}/{len(pods)} done"


def wait(
    api: client.ApiClient,
    namespace: str,
    name: str,
    until: Callable[[Workflow], bool],
    what: str,
    timeout: float,
    progress: Callable[[str], None] | None = None,
    fail_fast: bool = True,
) -> Workflow:
    """Watch the workflow until `until(wf)`; fail at once when it is finished and the condition is not met."""
    last: list[Workflow] = []
    last_line = [""]

    def reached(found: list[Workflow]) -> bool:
        if not found:
            if last:
                raise WorkflowWaitError(f"workflow {name} was deleted while waiting for it to {what}", last[-1])
            return False
        wf = found[0]
        last[:] = [wf]
        line = progress_line(wf)
        if progress and line != last_line[0]:
            progress(line)
            last_line[0] = line
        if until(wf):
            return True
        if fail_fast and phase(wf) in TERMINAL and wf.get("status", {}).get("finishedAt"):
            message = wf.get("status", {}).get("message", "")
            raise WorkflowWaitError(
                f"workflow {name} finished {phase(wf)} ({message or 'no message'}) and cannot {what} any more", wf
            )
        return False

    def describe(found: list[Workflow]) -> str:
        return progress_line(found[0]) if found else "the workflow was never seen"

    try:
        found = kube.watch_until(f"{name} to {what}", custom(api).list_namespaced_custom_object, GROUP, VERSION,
                                 namespace, "workflows", until=reached, timeout=timeout, describe=describe,
                                 field_selector=f"metadata.name={name}")
    except kube.WaitTimeout as exc:
        raise WorkflowWaitError(str(exc), last[-1] if last else None) from None
    wf: Workflow = found[0]
    return wf


def timestamp(text: str) -> float:
    """An RFC 3339 time of the Kubernetes API (`2026-11-24T21:08:00Z`) in epoch seconds."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def times(wf: Workflow) -> tuple[float, float]:
    """(startedAt, finishedAt) of a finished workflow, in epoch seconds."""
    status = wf.get("status", {})
    return timestamp(status["startedAt"]), timestamp(status["finishedAt"])


def node_tree(wf: Workflow) -> str:
    """The node tree in the style of `argo get`: name, template, phase, duration, message."""
    nodes: dict[str, Any] = wf.get("status", {}).get("nodes", {}) or {}
    root = wf["metadata"]["name"]
    lines = [f"{root} ({phase(wf)}) {wf.get('status', {}).get('message', '')}".rstrip()]

    def visit(node_id: str, depth: int, seen: set[str]) -> None:
        if node_id in seen or node_id not in nodes:
            return
        seen.add(node_id)
        node = nodes[node_id]
        if depth:
            label = node.get("displayName") or node.get("name")
            detail = f"{node.get('type')} {node.get('templateName', '')} {node.get('phase')}"
            message = node.get("message", "")
            lines.append(f"{'  ' * depth}└─ {label}  [{detail}]{'  ' + message if message else ''}")
        for child in node.get("children", []) or []:
            visit(child, depth + 1, seen)

    visit(root, 0, set())
    return "\n".join(lines)


def pods_of(api: client.ApiClient, namespace: str, name: str) -> list[client.V1Pod]:
    core = client.CoreV1Api(api)
    selector = f"workflows.argoproj.io/workflow={name}"
    pods: list[client.V1Pod] = core.list_namespaced_pod(namespace, label_selector=selector).items
    return pods


def rejection(exc: ApiException) -> str | None:
    """The API server's one-line reason when it refused a manifest (validation, schema), else None."""
    if exc.status not in (400, 422):
        return None
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        body = {}
    message = body.get("message") if isinstance(body, dict) else None
    return " ".join(str(message or exc.reason or "rejected").split())
