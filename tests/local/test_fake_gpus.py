"""Fake GPUs on the local cluster's node: advertised, detected as fake, re-advertised after the kubelet zeroes
them, withdrawn; capacity the suite did not add (a device plugin's) is never touched."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client

from pytest_argo_conformance.components import gpus
from pytest_argo_conformance.kube import wait_for
from pytest_argo_conformance.kube.objects import meta, present
from pytest_argo_conformance.providers.base import ClusterInfo

pytestmark = pytest.mark.cluster
PATH = "/status/capacity/nvidia.com~1gpu"


@pytest.fixture
def node(core: client.CoreV1Api, cluster_info: ClusterInfo) -> Iterator[str]:
    yield cluster_info.name
    gpus.withdraw(core, cluster_info.name)
    current = present(core.read_node(cluster_info.name).status, "status").capacity or {}
    if gpus.GPU in current:  # a test's stand-in device plugin capacity
        core.patch_node_status(cluster_info.name, [{"op": "remove", "path": PATH}])


def allocatable_is(core: client.CoreV1Api, node: str, count: int) -> None:
    wait_for(f"{count} allocatable GPUs on {node}",
             lambda: (gpus.allocatable(core, node) == count, f"allocatable {gpus.allocatable(core, node)}"), 60, 0.5)


def test_advertise_ensure_withdraw(core: client.CoreV1Api, node: str) -> None:
    assert gpus.fake_gpu_candidates(core) == [node]
    gpus.advertise(core, node, 2)
    allocatable_is(core, node, 2)
    labels = present(meta(core.read_node(node)).labels, "the node's labels")
    assert labels[gpus.GPU_NODE_LABEL] == "true"
    assert gpus.real_gpus(core).total == 0, "faked capacity must not count as real GPUs"
    fake = gpus.GpuNodes({node: 2}, fake=True)
    assert gpus.ensure(core, fake) == []
    # what the kubelet does to extended resources without a device plugin when it re-registers
    core.patch_node_status(node, [{"op": "replace", "path": PATH, "value": "0"}])
    allocatable_is(core, node, 0)
    assert gpus.ensure(core, fake) == [node]
    allocatable_is(core, node, 2)
    gpus.withdraw(core, node)
    current = core.read_node(node)
    assert gpus.GPU not in (present(current.status, "status").capacity or {})
    assert gpus.GPU_NODE_LABEL not in (meta(current).labels or {})
    assert gpus.FAKE_ANNOTATION not in (meta(current).annotations or {})


def test_capacity_the_suite_did_not_add_is_real_and_kept(core: client.CoreV1Api, node: str) -> None:
    core.patch_node_status(node, [{"op": "add", "path": PATH, "value": "1"}])  # as a device plugin would
    allocatable_is(core, node, 1)
    real = gpus.real_gpus(core)
    assert real.capacity == {node: 1} and not real.fake
    gpus.withdraw(core, node)
    assert gpus.allocatable(core, node) == 1, "withdraw removed capacity it had not added"
