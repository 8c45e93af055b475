"""The GPU scenario's plugin: the cluster's GPU capacity (real, or faked on the nodes of a provider that may fake
them), per-check GPU nodes, and kind's GPU worker layout when GPU checks were collected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_argo_conformance.components.argo.installation import Installation
from pytest_argo_conformance.components.gpus import GpuNodes
from pytest_argo_conformance.plugin.cells import PROP_NOTE
from pytest_argo_conformance.plugin.stash import WANTS_GPU_LAYOUT_KEY
from pytest_argo_conformance.providers.base import Capability, ClusterInfo, Provider, can

GPU_LOCK = "gpu-capacity"  # held by each GPU check: the GPUs are the cluster's, one check uses them at a time
FAKE_GPUS = "fake-gpus"  # the fake capacity's name among the components live runs share
GPU_FIXTURES = ("gpu_nodes", "argo_gpu_capacity")  # a session with checks using these wants kind's GPU layout


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[WANTS_GPU_LAYOUT_KEY] = any(
        name in GPU_FIXTURES for item in items for name in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def argo_gpu_capacity(
    request: pytest.FixtureRequest, argo_provider: Provider, argo_cluster: ClusterInfo
) -> Iterator[GpuNodes]:
    """The cluster's GPUs: real ones when a device plugin advertises them; otherwise fake ones on the local and
    kind providers (removed after the session); on an existing cluster without GPUs the GPU checks are skipped."""
    from kubernetes import client

    from pytest_argo_conformance.components import gpus
    from pytest_argo_conformance.kube import api_client

    api = api_client(argo_cluster)
    core = client.CoreV1Api(api)
    real = gpus.real_gpus(core)
    if real.total or not can(argo_provider, Capability.FAKE_GPUS):
        yield real
        api.close()
        return
    from pytest_argo_conformance.kube import acquire, release
    from pytest_argo_conformance.plugin import run

    lease = run.lease(request.config, argo_cluster)  # fake capacity is shared by live runs; the last withdraws it
    nodes = gpus.fake_gpu_candidates(core)
    fake = gpus.GpuNodes({node: gpus.FAKE_PER_NODE for node in nodes}, fake=True)

    def advertise(shared: bool) -> None:
        for node in nodes:
            gpus.advertise(core, node, gpus.FAKE_PER_NODE)

    def withdraw() -> None:
        for node in nodes:
            gpus.withdraw(core, node)

    try:
        acquire(lease, FAKE_GPUS, "", advertise)
        yield fake
    finally:
        try:
            release(lease, FAKE_GPUS, "", withdraw)
        finally:
            api.close()


@pytest.fixture
def gpu_nodes(request: pytest.FixtureRequest, argo: Installation, argo_cluster: ClusterInfo,
              argo_gpu_capacity: GpuNodes) -> Iterator[GpuNodes]:
    """The GPU nodes for one check (fake capacity re-applied if a kubelet dropped it); skips without GPUs. The check
    has them to itself: it holds the cluster-wide lock `gpu-capacity` (other cells on other pytest-xdist workers, and
    other runs on the cluster, wait for it)."""
    from pytest_argo_conformance.components import gpus
    from pytest_argo_conformance.kube import locked
    from pytest_argo_conformance.plugin import run

    if not argo_gpu_capacity.total:
        pytest.skip("no GPU capacity: no node advertises nvidia.com/gpu (install the NVIDIA device plugin), "
                    "and fake GPUs are only added on the local and kind providers")
    with locked(run.lease(request.config, argo_cluster), GPU_LOCK):
        redone = gpus.ensure(argo.core(), argo_gpu_capacity)
        if redone:
            request.node.user_properties.append((PROP_NOTE, f"fake GPUs re-advertised on {', '.join(redone)}"))
        yield argo_gpu_capacity
