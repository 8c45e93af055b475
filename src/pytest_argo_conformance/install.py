"""Installing Argo Workflows for a (build, topology) cell."""

from __future__ import annotations

from typing import Any

import pytest

from .builds import ControllerBuild
from .providers.base import ClusterInfo, Provider
from .topologies import Topology


def install(
    config: pytest.Config, provider: Provider, cluster: ClusterInfo, build: ControllerBuild, topology: Topology
) -> Any:
    pytest.fail(
        f"installing Argo Workflows for topology {topology.id} is not implemented in this version", pytrace=False
    )
