"""Reading a finished workflow's node tree: nodes by name, outputs, concurrency, suspended steps."""

from __future__ import annotations

from typing import Any

from pytest_argo_conformance.components.argo.workflows import timestamp

Workflow = dict[str, Any]
Node = dict[str, Any]


def nodes(wf: Workflow) -> list[Node]:
    return list((wf.get("status", {}).get("nodes") or {}).values())


def node(wf: Workflow, display_name: str) -> Node:
    found = [n for n in nodes(wf) if n.get("displayName") == display_name or n.get("name") == display_name]
    if not found:
        raise AssertionError(f"no node {display_name!r}; nodes: {sorted(tree_names(wf))}")
    return found[0]


def children_named(wf: Workflow, prefix: str) -> list[Node]:
    return [n for n in nodes(wf) if n.get("type") == "Pod" and str(n.get("displayName", "")).startswith(prefix)]


def pod_nodes(wf: Workflow) -> list[Node]:
    return sorted((n for n in nodes(wf) if n.get("type") == "Pod"), key=lambda n: n.get("startedAt") or "")


def tree_names(wf: Workflow) -> list[str]:
    return [str(n.get("displayName")) for n in nodes(wf)]


def parent_of(wf: Workflow, display_name: str) -> str:
    child = node(wf, display_name)["id"]
    for n in nodes(wf):
        if child in (n.get("children") or []):
            return str(n["id"])
    raise AssertionError(f"{display_name} has no parent node")


def output_parameter(n: Node, name: str) -> str:
    for param in n.get("outputs", {}).get("parameters", []) or []:
        if param["name"] == name:
            return str(param.get("value", ""))
    raise AssertionError(f"node {n.get('displayName')} has no output parameter {name!r}: {n.get('outputs')}")


def leaf_inputs(wf: Workflow) -> list[str]:
    return [str(n["inputs"]["parameters"][0]["value"]) for n in nodes(wf)
            if n.get("type") == "Pod" and n.get("templateName") == "leaf"]


def peak_concurrency(wf: Workflow) -> int:
    """Most pods running at once, from the pod nodes' start and finish times (half-open intervals)."""
    events: list[tuple[float, int]] = []
    for n in pod_nodes(wf):
        if n.get("startedAt") and n.get("finishedAt"):
            events += [(timestamp(n["startedAt"]), 1), (timestamp(n["finishedAt"]), -1)]
    peak = running = 0
    for _, delta in sorted(events):  # at equal times the -1 sorts first: a finish frees the slot
        running += delta
        peak = max(peak, running)
    return peak


def suspended(wf: Workflow) -> bool:
    return any(n.get("type") == "Suspend" and n.get("phase") == "Running" for n in nodes(wf))
