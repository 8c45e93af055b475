"""Helpers for the parameters/artifacts and parallelism/deadlines checks: wait for a workflow to finish in any
phase, and share one finished run of a manifest among the checks that each read a different part of it."""

from __future__ import annotations

from typing import Any

from pytest_argo_conformance.checks import shapes
from pytest_argo_conformance.components.argo import workflows as wfapi
from pytest_argo_conformance.components.argo.runner import WorkflowRunner

Workflow = dict[str, Any]

# (installation id, namespace, manifest) -> the finished workflow; one run serves every check of a cell
_shared: dict[tuple[int, str, str], Workflow] = {}


def run_shared(runner: WorkflowRunner, manifest: str, timeout: float = 180) -> Workflow:
    """Submit `manifest` once per cell and wait for it to finish; later checks of the cell get the same result."""
    key = (id(runner.installation), runner.namespace, manifest)
    if key not in _shared:
        _shared[key] = runner.wait_finished(runner.submit(runner.load(manifest)), timeout)
    else:
        runner.submitted.append(_shared[key]["metadata"]["name"])  # its diagnostics go with this check too
    return _shared[key]


def input_parameter(node: shapes.Node, name: str) -> str:
    for param in node.get("inputs", {}).get("parameters", []) or []:
        if param["name"] == name:
            return str(param.get("value", ""))
    raise AssertionError(f"node {node.get('displayName')} has no input parameter {name!r}: {node.get('inputs')}")


def workflow_output(wf: Workflow, name: str) -> str | None:
    for param in (wf.get("status", {}).get("outputs") or {}).get("parameters", []) or []:
        if param["name"] == name:
            return str(param.get("value", ""))
    return None


def describe(wf: Workflow) -> str:
    """The phase, message and the pod nodes' phases, for assertion messages."""
    pods = ", ".join(f"{n.get('displayName')}={n.get('phase')}"
                     + (f" ({n['message']})" if n.get("message") else "") for n in shapes.pod_nodes(wf))
    return f"workflow {wfapi.phase(wf)} {wf.get('status', {}).get('message', '')!r}; pods: {pods or 'none'}"
