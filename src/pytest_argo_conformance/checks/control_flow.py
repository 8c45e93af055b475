"""Steps, DAG and retry checks: run a workflow to its end whatever its phase, and read attempts and node phases."""

from __future__ import annotations

from typing import Any

from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.components.argo.runner import WorkflowRunner

Workflow = dict[str, Any]
Node = dict[str, Any]


def run_to_end(runner: WorkflowRunner, manifest: Workflow, timeout: float = 180) -> Workflow:
    """Submit a workflow and wait until it has finished, in any phase (the check asserts which)."""
    return runner.wait_finished(runner.submit(manifest), timeout)


def attempts(wf: Workflow) -> list[Node]:
    """The workflow's pod nodes in the order they started (the attempts of a retried step)."""
    return shapes.pod_nodes(wf)


def describe(nodes: list[Node]) -> str:
    return ", ".join(f"{n.get('displayName')}={n.get('phase')}" for n in nodes) or "none"


def named(wf: Workflow, display_name: str) -> list[Node]:
    """Every node with this display name (none when the controller never created it)."""
    return [n for n in shapes.nodes(wf) if n.get("displayName") == display_name]


def retry_node(wf: Workflow) -> Node:
    found = [n for n in shapes.nodes(wf) if n.get("type") == "Retry"]
    if not found:
        raise AssertionError(f"no Retry node; nodes: {describe(shapes.nodes(wf))}")
    return found[0]
