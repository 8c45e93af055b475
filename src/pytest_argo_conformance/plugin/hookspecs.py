"""Hooks a vendor's conftest.py or plugin implements to extend the suite.

Each docstring is a ready conftest example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
    from pytest_argo_conformance.matrix.model import Matrix
    from pytest_argo_conformance.providers.base import ClusterInfo, Provider
    from pytest_argo_conformance.plugin.options import Settings
    from pytest_argo_conformance.components.argo.topologies import Topology


@pytest.hookspec(firstresult=True)
def pytest_argo_make_provider(config: pytest.Config, settings: Settings) -> Provider | None:
    """Return the cluster provider for this run, or None to leave it to the next implementation.

    The built-in implementation (trylast) knows kind, existing and local::

        def pytest_argo_make_provider(config, settings):
            if settings.provider == "auto" and os.environ.get("MY_CI_CLUSTER"):
                return MyCloudProvider(os.environ["MY_CI_CLUSTER"])
    """


@pytest.hookspec(firstresult=True)
def pytest_argo_install(
    config: pytest.Config,
    provider: Provider,
    cluster: ClusterInfo,
    build: ControllerBuild,
    topology: Topology,
) -> Any:
    """Install Argo Workflows for one (build, topology) cell and return the installation.

    The returned object must have `namespace` (where workflows run) and `uninstall()`. The built-in
    implementation (trylast) installs each topology of the proof of concept::

        def pytest_argo_install(config, provider, cluster, build, topology):
            if topology.id == "my-operator":
                return MyOperatorInstall.create(cluster, build)
    """


def pytest_argo_matrix_update(config: pytest.Config, matrix: Matrix) -> None:
    """Change the conformance matrix in place before it is written (add figures, notes, environment)::

    def pytest_argo_matrix_update(config, matrix):
        matrix.environment["ci-job"] = os.environ.get("CI_JOB_NAME", "")
    """
