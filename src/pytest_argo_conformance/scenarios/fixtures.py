"""Fixtures of the Kueue and GPU scenarios: Kueue installed once per session (per Kueue version), queues per
check, and the cluster's GPU capacity (real, or faked on the provider's nodes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_argo_conformance.plugin.cells import PROP_NOTE, PROP_VERSION_PREFIX
from pytest_argo_conformance.plugin.fixtures import teardown
from pytest_argo_conformance.providers.base import ClusterInfo, Provider



@pytest.fixture(scope="session")
def argo_kueue(request: pytest.FixtureRequest, argo_provider: Provider, argo_cluster: ClusterInfo) -> Iterator[Any]:
    """Kueue installed in the cluster (the version is a parameter: `--argo-kueue`); removed after the session."""
    from pytest_argo_conformance.components.argo.build import ArgoBuildError
    from pytest_argo_conformance.plugin.cell_install import _progress
    from pytest_argo_conformance.kube import WaitTimeout, api_client
    from pytest_argo_conformance.components.kueue import build
    from pytest_argo_conformance.components.kueue.install import KueueInstallError, install
    from pytest_argo_conformance.components.kueue.manifests import KueueManifestError
    from pytest_argo_conformance.toolchain.oci import ImageError
    from pytest_argo_conformance.providers.base import ProviderError
    from pytest_argo_conformance.config.versions import version

    release = str(getattr(request, "param", None) or version("kueue"))
    api = api_client(argo_cluster)
    failure = ""
    try:
        image = build.image_for(argo_provider, release, log=_progress(request.config))
        inst = install(api, release, image, build.source_dir(release))
    except (ArgoBuildError, ImageError, ProviderError, KueueInstallError, KueueManifestError, WaitTimeout,
            OSError) as exc:
        failure = f"Kueue {release} did not install: {exc}"
    if failure:
        api.close()
        pytest.fail(failure, pytrace=False)
    yield inst
    teardown(request, f"removing Kueue {release}", inst.uninstall)


@pytest.fixture
def kueue_queues(request: pytest.FixtureRequest, argo: Any, argo_kueue: Any) -> Iterator[Any]:
    """`kueue_queues(Quota(cpu="1"), preemption=False)` makes a ResourceFlavor, ClusterQueue and LocalQueue for
    the cell's namespace and lets Kueue manage it; afterwards the check's workflows, pods and queues are removed."""
    from pytest_argo_conformance.components.kueue.install import release_pods
    from pytest_argo_conformance.components.kueue.manifests import ENABLED_LABEL

    request.node.user_properties.append((PROP_VERSION_PREFIX + "kueue", argo_kueue.release))
    core = argo.core()
    namespace = argo.namespace
    core.patch_namespace(namespace, {"metadata": {"labels": {ENABLED_LABEL: "enabled"}}})
    factory = _QueueFactory(argo.api, namespace)
    yield factory
    _delete_workflows(argo)
    release_pods(core, namespace)
    for queues in factory.made:
        queues.delete()
    core.patch_namespace(namespace, {"metadata": {"labels": {ENABLED_LABEL: None}}})


class _QueueFactory:
    """`kueue_queues(quota, preemption)`; `.made` lists the queues (a failing check's report describes them)."""

    def __init__(self, api: Any, namespace: str) -> None:
        self.api, self.namespace = api, namespace
        self.made: list[Any] = []

    def __call__(self, quota: Any = None, preemption: bool = False) -> Any:
        from pytest_argo_conformance.components.kueue.queues import Quota, Queues

        queues = Queues(self.api, self.namespace, f"acf-{uuid.uuid4().hex[:8]}", quota or Quota())
        self.made.append(queues)
        queues.create(preemption)
        return queues


def _delete_workflows(argo: Any) -> None:
    """The check's workflows and their pods go now, so that none holds quota (or a finalizer) in the next check."""
    from kubernetes import client

    from pytest_argo_conformance.components.argo import workflows as wfapi

    custom = client.CustomObjectsApi(argo.api)
    custom.delete_collection_namespaced_custom_object(wfapi.GROUP, wfapi.VERSION, argo.namespace, "workflows")
    argo.core().delete_collection_namespaced_pod(argo.namespace, label_selector="workflows.argoproj.io/workflow",
                                                 grace_period_seconds=0)


@pytest.fixture(scope="session")
def argo_gpu_capacity(request: pytest.FixtureRequest, argo_provider: Provider, argo_cluster: ClusterInfo) -> Iterator[Any]:
    """The cluster's GPUs: real ones when a device plugin advertises them; otherwise fake ones on the local and
    kind providers (removed after the session); on an existing cluster without GPUs the GPU checks are skipped."""
    from kubernetes import client

    from pytest_argo_conformance.components import gpus
    from pytest_argo_conformance.kube import api_client

    api = api_client(argo_cluster)
    core = client.CoreV1Api(api)
    real = gpus.real_gpus(core)
    if real.total or argo_provider.name == "existing":
        yield real
        api.close()
        return
    nodes = gpus.fake_gpu_candidates(core)
    fake = gpus.GpuNodes({node: gpus.FAKE_PER_NODE for node in nodes}, fake=True)
    try:
        for node in nodes:
            gpus.advertise(core, node, gpus.FAKE_PER_NODE)
        yield fake
    finally:
        for node in nodes:
            gpus.withdraw(core, node)
        api.close()


@pytest.fixture
def gpu_nodes(request: pytest.FixtureRequest, argo: Any, argo_gpu_capacity: Any) -> Any:
    """The GPU nodes for one check (fake capacity re-applied if a kubelet dropped it); skips without GPUs."""
    from pytest_argo_conformance.components import gpus

    if not argo_gpu_capacity.total:
        pytest.skip("no GPU capacity: no node advertises nvidia.com/gpu (install the NVIDIA device plugin), "
                    "and fake GPUs are only added on the local and kind providers")
    redone = gpus.ensure(argo.core(), argo_gpu_capacity)
    if redone:
        request.node.user_properties.append((PROP_NOTE, f"fake GPUs re-advertised on {', '.join(redone)}"))
    return argo_gpu_capacity
