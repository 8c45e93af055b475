"""Built-in (trylast) implementations of the plugin's hooks; a conftest's implementation runs first."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.providers.base import ClusterInfo, Provider
from pytest_argo_conformance.plugin.options import Settings
from pytest_argo_conformance.components.argo.topologies import Topology


@pytest.hookimpl(trylast=True)
def pytest_argo_make_provider(config: pytest.Config, settings: Settings) -> Provider:
    from pytest_argo_conformance.providers.select import make_provider

    return make_provider(config, settings)


@pytest.hookimpl(trylast=True)
def pytest_argo_install(
    config: pytest.Config,
    provider: Provider,
    cluster: ClusterInfo,
    build: ControllerBuild,
    topology: Topology,
) -> Any:
    from pytest_argo_conformance.plugin.cell_install import install

    return install(config, provider, cluster, build, topology)
