"""What the Kueue checks compute: manifests pointed at a check's queue, and readings of a PodWatch."""

from __future__ import annotations

import copy
from typing import Any

from pytest_argo_conformance.checks.shapes import pod_nodes
from pytest_argo_conformance.components.kueue.queues import ADMISSION_GATE, PRIORITY_LABEL, QUEUE_LABEL
from pytest_argo_conformance.kube.podwatch import PodHistory

QUEUE_PLACEHOLDER = "argo-conformance-queue"  # the value the manifests give the queue label
PRIORITY_PLACEHOLDER = "argo-conformance-priority"


def for_queue(manifest: dict[str, Any], queue: str, priority: str | None = None) -> dict[str, Any]:
    """A copy of `manifest` with the placeholder queue (and priority class) labels set to the check's own;
    without a priority the priority label is dropped."""

    def visit(obj: Any) -> Any:
        if isinstance(obj, dict):
            out = {}
            for key, value in obj.items():
                if key == QUEUE_LABEL and value == QUEUE_PLACEHOLDER:
                    out[key] = queue
                elif key == PRIORITY_LABEL and value == PRIORITY_PLACEHOLDER:
                    if priority:
                        out[key] = priority
                else:
                    out[key] = visit(value)
            return out
        if isinstance(obj, list):
            return [visit(v) for v in obj]
        return obj

    return visit(copy.deepcopy(manifest))  # type: ignore[no-any-return]


def unqueued(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy of `manifest` with the workflow-level queue label (spec.podMetadata) removed."""
    out = copy.deepcopy(manifest)
    out["spec"].pop("podMetadata", None)
    return out


def step(pods: list[PodHistory], name: str) -> PodHistory:
    """The pod of the step whose Argo node name ends with `.name` (the last attempt when retried)."""
    found = [p for p in pods if p.node_name.endswith(f".{name}") or p.node_name.endswith(f".{name}(0)")]
    assert found, f"no pod for step {name!r}; pods: {[p.node_name for p in pods]}"
    return sorted(found, key=lambda p: p.created)[-1]


def gating_problems(pods: list[PodHistory]) -> list[str]:
    """Why each of `pods` was not gated by Kueue until admission (empty: all were)."""
    problems = []
    for p in pods:
        if not p.gated_at_creation(ADMISSION_GATE):
            problems.append(f"{p.node_name or p.name} was created without the {ADMISSION_GATE} gate "
                            f"(labels {p.labels}, gates {list(p.gates_at_creation)})")
        elif p.ungated is None:
            problems.append(f"{p.node_name or p.name} was never ungated")
        elif p.running is not None and p.running < p.ungated:
            problems.append(f"{p.node_name or p.name} ran before its gate was removed")
    return problems


def latencies(pods: list[PodHistory]) -> list[float]:
    """Seconds from each gated pod's creation to the removal of its gate (Kueue's admission latency)."""
    return [p.ungated - p.created for p in pods if p.ungated is not None and p.gates_at_creation]


def stopped_attempt(wf: dict[str, Any]) -> str:
    """How the controller shows a pod Kueue stopped: the first attempt's node phase and message."""
    attempts = pod_nodes(wf)
    if not attempts:
        return "no pod nodes"
    first = attempts[0]
    return f"{first['phase']}: {first.get('message', '')}".strip()
