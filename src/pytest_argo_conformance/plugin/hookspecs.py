"""Hooks a vendor's conftest.py or plugin implements to extend the suite.

Each docstring is a ready conftest example. Hooks that shape the session (topologies, suite paths, providers)
must live in a plugin or in a conftest.py that pytest loads before it configures: the conftest of a folder
given on the command line (`argo-conformance run --suites PATH` gives PATH).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
    from pytest_argo_conformance.components.argo.installation import Installation
    from pytest_argo_conformance.components.argo.topologies import Topology
    from pytest_argo_conformance.matrix.model import Matrix
    from pytest_argo_conformance.plugin.options import Settings
    from pytest_argo_conformance.providers.base import ClusterInfo, Provider


@pytest.hookspec(firstresult=True)
def pytest_argo_make_provider(config: pytest.Config, settings: Settings) -> Provider | None:
    """Return the cluster provider for this run, or None to leave it to the next implementation.

    The built-in implementation (trylast) knows kind, existing and local::

        def pytest_argo_make_provider(config, settings):
            if settings.provider == "auto" and os.environ.get("MY_CI_CLUSTER"):
                return MyCloudProvider(os.environ["MY_CI_CLUSTER"])
    """


def pytest_argo_topologies(config: pytest.Config) -> list[Topology]:
    """Add topologies of your own; each becomes a column of cells (`--argo-topology` selects by id)::

        from pytest_argo_conformance.api import Topology

        def pytest_argo_topologies(config):
            return [Topology("my-operator", "controller deployed by our operator", namespaced=True,
                             replaces_global=False)]

    A topology of your own needs a `pytest_argo_install` that installs it.
    """
    return []


@pytest.hookspec(firstresult=True)
def pytest_argo_install(
    config: pytest.Config,
    provider: Provider,
    cluster: ClusterInfo,
    build: ControllerBuild,
    topology: Topology,
) -> Installation | None:
    """Install Argo Workflows for one (build, topology) cell and return the installation.

    The returned object satisfies `pytest_argo_conformance.api.Installation`. The built-in implementation
    (trylast) installs each topology of the proof of concept and fails a topology it does not know::

        def pytest_argo_install(config, provider, cluster, build, topology):
            if topology.id == "my-operator":
                return MyOperatorInstall.create(cluster, build)
    """


def pytest_argo_suite_paths(config: pytest.Config) -> list[Path]:
    """Folders of checks collected beside the packaged suites by `argo-conformance run` (or `--argo-suites`)::

        def pytest_argo_suite_paths(config):
            return [Path(__file__).parent / "checks"]
    """
    return []


def pytest_argo_check_axes(item: pytest.Item) -> list[str]:
    """Extra axes of a check's name in the matrix, e.g. the Kueue version when several are run::

        def pytest_argo_check_axes(item):
            size = item.callspec.params.get("gpu_size") if hasattr(item, "callspec") else None
            return [f"{size} GPUs"] if size else []
    """
    return []


def pytest_argo_diagnostics(item: pytest.Item) -> list[tuple[str, str]]:
    """Sections (title, text) added to a failing check's report and to Allure, after its workflows' diagnostics::

        def pytest_argo_diagnostics(item):
            if "my_operator" in item.funcargs:
                return [("operator log", item.funcargs["my_operator"].log_tail())]
            return []
    """
    return []


def pytest_argo_matrix_update(config: pytest.Config, matrix: Matrix) -> None:
    """Change the conformance matrix in place before it is written (add figures, notes, environment)::

        def pytest_argo_matrix_update(config, matrix):
            matrix.environment["ci-job"] = os.environ.get("CI_JOB_NAME", "")
    """
