"""Built-in (trylast) implementations of the plugin's hooks; a conftest's implementation runs first."""

from __future__ import annotations

from typing import Any

import pytest

from .builds import ControllerBuild
from .providers.base import ClusterInfo, Provider
from .settings import Settings
from .topologies import Topology


@pytest.hookimpl(trylast=True)
def pytest_argo_make_provider(config: pytest.Config, settings: Settings) -> Provider:
    from .providers.select import make_provider

    return make_provider(config, settings)


@pytest.hookimpl(trylast=True)
def pytest_argo_install(
    config: pytest.Config,
    provider: Provider,
    cluster: ClusterInfo,
    build: ControllerBuild,
    topology: Topology,
) -> Any:
    from .install import install

    return install(config, provider, cluster, build, topology)
