"""The scale lane's simulated nodes: Node objects that KWOK keeps Ready, with capacity and a taint of their own.

Each node carries the run's owner labels and LANE_LABEL (what KWOK manages, and what the lane's pods select), the
taint `kwok.x-k8s.io/node=fake:NoSchedule` (no other pod lands there unless it tolerates it), and CPU, memory and
`nvidia.com/gpu` capacity. Only nodes with the run's labels are ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubernetes import client

from pytest_argo_conformance.config.timeouts import API_REQUEST, KWOK_NODES_READY
from pytest_argo_conformance.kube import delete_quietly, owner_labels, wait_for
from pytest_argo_conformance.kube import objects as kobjects

LANE_LABEL = "argo-conformance.io/scale-lane"  # on the lane's nodes and pods; KWOK's stages select on it
TAINT_KEY = "kwok.x-k8s.io/node"
TAINT_VALUE = "fake"
GPU_RESOURCE = "nvidia.com/gpu"


@dataclass(frozen=True)
class NodeShape:
    """What each simulated node offers."""

    cpu: str = "32"
    memory: str = "256Gi"
    gpus: int = 8
    pods: int = 110


def node_names(run_id: str, count: int) -> list[str]:
    return [f"acf-kwok-{run_id}-{index:03d}" for index in range(count)]


def manifest(name: str, index: int, run_id: str, shape: NodeShape) -> Any:
    capacity = {"cpu": shape.cpu, "memory": shape.memory, "pods": str(shape.pods), GPU_RESOURCE: str(shape.gpus)}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {**owner_labels(run_id), LANE_LABEL: run_id, "type": "kwok",
                       "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"},
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"taints": [{"key": TAINT_KEY, "value": TAINT_VALUE, "effect": "NoSchedule"}]},
        "status": {
            "allocatable": capacity,
            "capacity": capacity,
            # 192.0.2.0/24 (TEST-NET-1): documentation addresses, routed nowhere; no one connects to these nodes
            "addresses": [{"type": "InternalIP", "address": f"192.0.2.{index % 250 + 1}"},
                          {"type": "Hostname", "address": name}],
        },
    }


def create(api: client.ApiClient, run_id: str, count: int, shape: NodeShape = NodeShape()) -> list[str]:
    """Create `count` simulated nodes for run `run_id`; their names."""
    core = client.CoreV1Api(api)
    names = node_names(run_id, count)
    for index, name in enumerate(names):
        core.create_node(manifest(name, index, run_id, shape), _request_timeout=API_REQUEST)
    return names


def wait_ready(api: client.ApiClient, run_id: str, count: int, alive: Callable[[], None],
               timeout: float = KWOK_NODES_READY) -> None:
    """Until KWOK reports all `count` nodes of the run Ready (WaitTimeout names how many were); `alive` raises
    GiveUp when KWOK has exited."""
    core = client.CoreV1Api(api)

    def probe() -> tuple[bool, str]:
        alive()
        nodes = core.list_node(label_selector=f"{LANE_LABEL}={run_id}", _request_timeout=API_REQUEST).items
        ready = [n for n in nodes if _ready(n)]
        return len(ready) == count, f"{len(ready)} of {len(nodes)} simulated nodes Ready (want {count})"

    wait_for(f"{count} simulated nodes Ready (KWOK manages them)", probe, timeout)


def _ready(node: client.V1Node) -> bool:
    conditions = (node.status.conditions if node.status else None) or []
    return any(c.type == "Ready" and c.status == "True" for c in conditions)


def delete(api: client.ApiClient, run_id: str) -> int:
    """Delete the run's simulated nodes (those with its owner and lane labels, nothing else); how many."""
    core = client.CoreV1Api(api)
    selector = ",".join(f"{k}={v}" for k, v in {**owner_labels(run_id), LANE_LABEL: run_id}.items())
    nodes = core.list_node(label_selector=selector, _request_timeout=API_REQUEST).items
    for node in nodes:
        delete_quietly(core.delete_node, kobjects.name(node))
    return len(nodes)
