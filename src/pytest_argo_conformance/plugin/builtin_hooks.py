"""Built-in (trylast) implementations of the plugin's hooks; a conftest's implementation runs first."""

from __future__ import annotations

import pytest

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.installation import Installation
from pytest_argo_conformance.components.argo.topologies import Topology
from pytest_argo_conformance.config.versions import version
from pytest_argo_conformance.plugin.options import Settings
from pytest_argo_conformance.plugin.stash import WANTS_GPU_LAYOUT_KEY
from pytest_argo_conformance.providers.base import ClusterInfo, Provider, ProviderError
from pytest_argo_conformance.providers.registry import resolve


@pytest.hookimpl(trylast=True)
def pytest_argo_make_provider(config: pytest.Config, settings: Settings) -> Provider:
    return make_provider(config, settings)


@pytest.hookimpl(trylast=True)
def pytest_argo_install(
    config: pytest.Config,
    provider: Provider,
    cluster: ClusterInfo,
    build: ControllerBuild,
    topology: Topology,
) -> Installation:
    from pytest_argo_conformance.plugin.cell_install import install

    return install(config, provider, cluster, build, topology)


def make_provider(config: pytest.Config, settings: Settings) -> Provider:
    name = resolve(settings.provider)
    try:
        if name == "kind":
            from pytest_argo_conformance.providers.kind import KindProvider

            return KindProvider(
                settings.cluster_name,
                keep=settings.keep_cluster,
                kubeconfig=settings.kubeconfig,
                node_image=config.getoption("kind_image", None) or version("kind-node-image"),
                layout="gpu" if config.stash.get(WANTS_GPU_LAYOUT_KEY, False) else "single",
            )
        if name == "existing":
            from pytest_argo_conformance.providers.existing import ExistingProvider

            assert settings.kubeconfig is not None  # settings.load checked it
            return ExistingProvider(settings.kubeconfig, settings.context)
        try:
            from pytest_argo_conformance.providers.local.provider import LocalProvider
        except ImportError as exc:
            raise ProviderError(f"the local provider is not available in this installation ({exc})") from None
        return LocalProvider(settings.cluster_name, keep=settings.keep_cluster)
    except ProviderError as exc:
        raise pytest.UsageError(f"--argo-provider {name}: {exc}") from None
