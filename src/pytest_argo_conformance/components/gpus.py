"""GPU capacity for the GPU scenarios: real (a device plugin advertises `nvidia.com/gpu`) or fake.

Fake GPUs are `nvidia.com/gpu` capacity patched into a node's status, with the node labelled as a GPU node
(`nvidia.com/gpu.present=true`, as NVIDIA's GPU feature discovery does) and annotated as faked, so that teardown
removes exactly what the suite added and a real device plugin's capacity is never touched. A kubelet that
re-registers zeroes extended resources it has no device plugin for: `ensure` puts them back before each check.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.kube import objects

GPU = "nvidia.com/gpu"
GPU_NODE_LABEL = "nvidia.com/gpu.present"
FAKE_ANNOTATION = "argo-conformance/fake-gpus"  # value: the count the suite advertised
LABELLED_ANNOTATION = "argo-conformance/gpu-label-added"  # the suite (not the cluster config) added the label
KIND_GPU_WORKER_LABEL = "argo-conformance/gpu-node"  # clusters/kind/gpu-worker.yaml
FAKE_PER_NODE = 2  # fake GPUs advertised on each GPU node: small, so that capacity limits show quickly
_ESCAPED = GPU.replace("/", "~1")  # JSON pointer escaping of the resource name


@dataclass(frozen=True)
class GpuNodes:
    """Which nodes have GPUs and how many each; `fake` when the suite advertised them."""

    capacity: dict[str, int]
    fake: bool

    @property
    def total(self) -> int:
        return sum(self.capacity.values())

    @property
    def per_node(self) -> int:
        return max(self.capacity.values(), default=0)

    def describe(self) -> str:
        kind = "fake" if self.fake else "real"
        return ", ".join(f"{node}: {n} {kind} GPU(s)" for node, n in sorted(self.capacity.items())) or "no GPUs"


def _count(node: client.V1Node, field: str = "allocatable") -> int:
    values = getattr(node.status, field) or {}
    try:
        return int(values.get(GPU, "0"))
    except ValueError:
        return 0


def real_gpus(core: client.CoreV1Api) -> GpuNodes:
    """Nodes whose GPUs a device plugin advertises (capacity the suite did not fake)."""
    nodes = core.list_node().items
    found = {objects.name(n): _count(n) for n in nodes
             if _count(n) > 0 and FAKE_ANNOTATION not in objects.annotations_of(n)}
    return GpuNodes(found, fake=False)


def fake_gpu_candidates(core: client.CoreV1Api) -> list[str]:
    """The nodes to fake GPUs on: kind's GPU worker when the cluster has one, else every schedulable node."""
    nodes = [n for n in core.list_node().items if not objects.node_spec(n).unschedulable]
    workers = [objects.name(n) for n in nodes if objects.labels_of(n).get(KIND_GPU_WORKER_LABEL) == "true"]
    return workers or [objects.name(n) for n in nodes]


def advertise(core: client.CoreV1Api, node: str, count: int) -> None:
    """Fake `count` GPUs on `node`: status capacity (the kubelet copies it to allocatable), label, annotation."""
    annotations = {FAKE_ANNOTATION: str(count)}
    if objects.labels_of(core.read_node(node)).get(GPU_NODE_LABEL) != "true":
        annotations[LABELLED_ANNOTATION] = "true"
    core.patch_node(node, {"metadata": {"labels": {GPU_NODE_LABEL: "true"}, "annotations": annotations}})
    core.patch_node_status(node, [{"op": "add", "path": f"/status/capacity/{_ESCAPED}", "value": str(count)}])


def withdraw(core: client.CoreV1Api, node: str) -> None:
    """Undo `advertise` on a node (a node that is gone needs nothing)."""
    try:
        current = core.read_node(node)
    except ApiException as exc:
        if exc.status == 404:
            return
        raise
    if FAKE_ANNOTATION not in objects.annotations_of(current):
        return
    patch = [{"op": "remove", "path": f"/status/{field}/{_ESCAPED}"}
             for field in ("capacity", "allocatable") if GPU in (getattr(current.status, field) or {})]
    if patch:
        core.patch_node_status(node, patch)
    annotations = objects.annotations_of(current)
    labels = {GPU_NODE_LABEL: None} if annotations.get(LABELLED_ANNOTATION) == "true" else {}
    core.patch_node(node, {"metadata": {"labels": labels,
                                        "annotations": {FAKE_ANNOTATION: None, LABELLED_ANNOTATION: None}}})


def ensure(core: client.CoreV1Api, gpus: GpuNodes) -> list[str]:
    """Re-advertise fake GPUs a kubelet dropped (re-registration); returns the nodes that needed it."""
    if not gpus.fake:
        return []
    redone = []
    for node, count in gpus.capacity.items():
        current = core.read_node(node)
        labels = objects.labels_of(current)
        if _count(current, "capacity") != count or labels.get(GPU_NODE_LABEL) != "true":
            advertise(core, node, count)
            redone.append(node)
    return redone


def allocatable(core: client.CoreV1Api, node: str) -> int:
    return _count(core.read_node(node))
