"""Acme's conformance additions, as a vendor keeps them in their own repository.

- one topology of Acme's own (`acme-operator`), added through `pytest_argo_topologies`;
- its installation through `pytest_argo_install`: Acme's operator deploys a namespaced controller in the shape of
  the proof of concept's native-namespaced topology, so this install asks the suite for that shape and presents
  it as Acme's (a real operator's install would create its own objects and satisfy the same contract);
- checks of Acme's own in `checks/`, with their manifests beside them.

Run: `argo-conformance run --suites path/to/this/folder --argo-topology upstream-global,acme-operator`.
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_argo_conformance.api import BUILTIN_TOPOLOGIES, Installation, Topology

ACME = Topology(
    "acme-operator",
    "Acme's operator runs the build's controller in the workflow namespace beside a scaled-down global one",
    namespaced=True,
    replaces_global=True,
)


def pytest_argo_topologies(config: pytest.Config) -> list[Topology]:
    return [ACME]


class AcmeInstallation:
    """The cell's installation as Acme's checks see it: Acme's topology over the installed controller."""

    def __init__(self, installed: Installation) -> None:
        self._installed = installed
        self.topology = ACME

    def __getattr__(self, name: str) -> Any:  # everything else of the contract: the installed controller's
        return getattr(self._installed, name)


@pytest.hookimpl(tryfirst=True)
def pytest_argo_install(config: pytest.Config, provider: Any, cluster: Any, build: Any, topology: Topology) -> Any:
    if topology.id != ACME.id:
        return None  # the suite's own topologies: the next implementation installs them
    shape = BUILTIN_TOPOLOGIES["native-namespaced"]
    installed = config.hook.pytest_argo_install(config=config, provider=provider, cluster=cluster, build=build,
                                                topology=shape)
    return AcmeInstallation(installed)
