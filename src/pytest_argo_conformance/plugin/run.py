"""This run in the cluster: its id (the owner label of everything it creates) and its lease, taken when the
session first installs something and given up before the cluster fixture's teardown (kube/ownership.py)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from kubernetes.client.exceptions import ApiException

from pytest_argo_conformance.config.timeouts import NAMESPACE_GONE
from pytest_argo_conformance.kube import RunLease, api_client, collect_garbage
from pytest_argo_conformance.plugin.stash import LEASE_KEY, RUN_ID_KEY
from pytest_argo_conformance.providers.base import ClusterInfo


def lease(config: pytest.Config, cluster: ClusterInfo) -> RunLease:
    """This process's lease in `cluster`, taken at the first call; what dead runs left is removed then. A cluster
    that refuses it fails the asking fixture with one line."""
    found = config.stash.get(LEASE_KEY, None)
    if found is not None:
        return found
    api = api_client(cluster)
    taken = RunLease(api, config.stash[RUN_ID_KEY])
    try:
        taken.start()
    except ApiException as exc:
        failure = f"this run cannot hold its lease in the cluster ({cluster.name}): {exc.status} {exc.reason}"
    else:
        config.stash[LEASE_KEY] = taken
        try:
            _collect_garbage(taken)
        except Exception as exc:  # noqa: BLE001 - left-overs of dead runs do not stop this one
            warnings.warn(pytest.PytestWarning(f"removing what dead runs left failed: {exc}"), stacklevel=1)
        return taken
    pytest.fail(failure, pytrace=False)


def end(config: pytest.Config, guarded: Callable[[str, Callable[[], object]], None]) -> None:
    """Give up the lease: first the Argo CRDs (when no other live run uses them) and what dead runs left (a run
    killed with -9 before this one started); `guarded(what, call)` runs a clean-up step so that its failure is a
    warning, not an error."""
    from pytest_argo_conformance.components.argo.install import release_crds

    found = config.stash.get(LEASE_KEY, None)
    if found is None:
        return
    del config.stash[LEASE_KEY]
    guarded("removing the Argo CRDs", lambda: release_crds(found))
    guarded("removing what dead runs left", lambda: _collect_garbage(found))
    guarded("giving up this run's lease", found.stop)
    found.api.close()


def _collect_garbage(lease: RunLease) -> None:
    """What dead runs left, waiting for it to go; pods Kueue still holds (its finalizer) are released first."""
    from kubernetes import client

    from pytest_argo_conformance.components.kueue.install import release_pods

    core = client.CoreV1Api(lease.api)
    collect_garbage(lease, wait=NAMESPACE_GONE, emptying=lambda namespace: release_pods(core, namespace))
