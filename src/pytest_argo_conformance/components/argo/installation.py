"""What the suites rely on from an installed cell: the contract that the built-in install and a vendor's own
`pytest_argo_install` both satisfy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kubernetes import client

from pytest_argo_conformance.components.argo.build_refs import ControllerBuild
from pytest_argo_conformance.components.argo.topologies import Topology
from pytest_argo_conformance.providers.base import ClusterInfo


@dataclass(frozen=True)
class ArgoServer:
    """Where a cell's Argo Server answers, and which Argo release it runs (what its version endpoint reports)."""

    namespace: str
    release: str
    service: str = "argo-server"
    port: int = 2746


@runtime_checkable
class Installation(Protocol):
    """Argo Workflows installed for one (build, topology) cell.

    Checks use only these members. Checks that need more of the built-in installation (its build artifacts, the
    global controller) skip with that reason when a custom install is in use."""

    @property
    def cluster(self) -> ClusterInfo: ...

    @property
    def topology(self) -> Topology: ...

    @property
    def build(self) -> ControllerBuild:
        """The controller build under test."""
        ...

    @property
    def namespace(self) -> str:
        """Where the check's workflows run (the controller under test reconciles them)."""
        ...

    @property
    def workflow_service_account(self) -> str:
        """The service account workflows run as when their manifest names none."""
        ...

    @property
    def api(self) -> client.ApiClient | None:
        """A Kubernetes client for the cluster (None once uninstalled)."""
        ...

    @property
    def server(self) -> ArgoServer | None:
        """The Argo Server that serves this cell's namespace; None when the install has none (REST checks skip)."""
        ...

    def core(self) -> client.CoreV1Api: ...

    def controller_log(self, tail: int = 80) -> str:
        """The last `tail` lines of the controller under test's log (for diagnostics)."""
        ...

    def uninstall(self) -> None:
        """Remove what the install created, and nothing else."""
        ...


INSTALLATION_MEMBERS = ("cluster", "topology", "build", "namespace", "workflow_service_account", "api", "server",
                        "core", "controller_log", "uninstall")
